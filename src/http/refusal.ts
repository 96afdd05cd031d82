import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** A GraphQL-shaped error body, for refusals made before a request reaches Yoga. */
const errorBody = (code: string, message: string) => JSON.stringify({ errors: [{ message, extensions: { code } }] });

/** What a refusal answers: the HTTP status, the error's code and message, and extra headers. */
export type Refusal = [status: number, code: string, message: string, headers?: Record<string, string>];

/** Answers an HTTP request with `status` and a GraphQL error, without Yoga. */
export function sendGraphQLError(response: ServerResponse, ...[status, code, message, headers = {}]: Refusal): void {
  const body = errorBody(code, message);
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

/** Refuses a WebSocket upgrade: an HTTP answer written on the raw socket, which then closes. */
export function refuseUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  const body = errorBody(code, message);
  // A client that goes away meanwhile is no error of ours.
  socket.on('error', () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
