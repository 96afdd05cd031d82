import type { ServerResponse } from 'node:http';

/** A GraphQL-shaped error body, for refusals made before a request reaches Yoga. */
const errorBody = (code: string, message: string) => JSON.stringify({ errors: [{ message, extensions: { code } }] });

/** Answers an HTTP request with `status` and a GraphQL error, without Yoga. */
export function sendGraphQLError(response: ServerResponse, status: number, code: string, message: string): void {
  const body = errorBody(code, message);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}
