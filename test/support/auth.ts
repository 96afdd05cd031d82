import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';

/** One answer of the gateway over HTTP, as a client sees it. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: { code?: string; [key: string]: unknown } }[];
  };
}

const authorization = (token: string | undefined): Record<string, string> =>
  token === undefined ? {} : { authorization: `Bearer ${token}` };

/** A GraphQL operation over HTTP POST (or GET for queries), with a token or none. */
export async function requestAs(
  url: string,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
  method: 'POST' | 'GET' = 'POST',
): Promise<HttpAnswer> {
  const headers = { accept: 'application/graphql-response+json', ...authorization(token) };
  const response =
    method === 'POST'
      ? await fetch(url, {
          method,
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ query, variables }),
        })
      : await fetch(`${url}?${new URLSearchParams({ query, variables: JSON.stringify(variables) })}`, { headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as HttpAnswer['body'] };
}

/** What a graphql-ws subscription ended with: its first payload, its first error, or the socket's close code. */
export type WsOutcome =
  | { kind: 'next'; data: Record<string, unknown> }
  | { kind: 'error'; code: string | undefined; message: string }
  | { kind: 'closed'; code: number };

/** Subscribes over graphql-ws with `connectionParams.authorization` and reports the first thing that happens. */
export function subscribeOnceOverWebSocket(
  url: string,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown>,
  origin?: string,
): Promise<WsOutcome> {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    // A browser page's socket carries its Origin; `ws` lets a test say which.
    webSocketImpl: origin
      ? class extends WebSocket {
          constructor(address: string, protocols?: string | string[]) {
            super(address, protocols, { headers: { origin } });
          }
        }
      : WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: authorization(token),
  });
  return new Promise<WsOutcome>((resolve) => {
    client.subscribe<Record<string, unknown>>(
      { query, variables },
      {
        next: (result) => {
          const first = result.errors?.[0];
          if (first)
            resolve({ kind: 'error', code: first.extensions?.code as string | undefined, message: first.message });
          else resolve({ kind: 'next', data: result.data ?? {} });
        },
        error: (error) => {
          if (Array.isArray(error)) {
            const first = error[0] as { message: string; extensions?: { code?: string } } | undefined;
            resolve({ kind: 'error', code: first?.extensions?.code, message: first?.message ?? '' });
          } else if (error && typeof error === 'object' && 'code' in error) {
            resolve({ kind: 'closed', code: Number((error as { code: unknown }).code) });
          } else resolve({ kind: 'error', code: undefined, message: String(error) });
        },
        complete: () => undefined,
      },
    );
  }).finally(() => client.dispose());
}

/** Opens a GraphQL SSE subscription (GET, text/event-stream) and reports the status and the first event. */
export async function subscribeOnceOverSse(
  url: string,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown>,
): Promise<{ status: number; headers: Headers; firstEvent: string }> {
  const controller = new AbortController();
  const response = await fetch(`${url}?${new URLSearchParams({ query, variables: JSON.stringify(variables) })}`, {
    headers: { accept: 'text/event-stream', ...authorization(token) },
    signal: controller.signal,
  });
  let firstEvent = '';
  if (response.ok && response.body) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    while (!/\n\n/.test(firstEvent.replace(/^:\n\n/, ''))) {
      const { value, done } = await reader.read();
      if (done) break;
      firstEvent += decoder.decode(value, { stream: true });
    }
  } else firstEvent = await response.text();
  controller.abort();
  return { status: response.status, headers: response.headers, firstEvent };
}

/** One field of an answer's data, failing the test with the whole answer when it is missing. */
export function dataField<T>(answer: HttpAnswer, field: string): T {
  const data = answer.body.data;
  if (!data || !(field in data)) throw new Error(`no ${field} in ${JSON.stringify(answer.body)}`);
  return data[field] as T;
}
