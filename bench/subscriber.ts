/**
 * A crowd of real graphql-ws clients in their own process. Reads JSON lines on stdin: first `{ "url": … }`,
 * then one array of job ids per line, each line one WebSocket connection subscribing to those jobs. After
 * `{ "hold": true }`, connections are opened and acknowledged at once (each prints `{ "connected": true }`)
 * but subscribe only when `{ "subscribe": true }` comes, so that the server's memory can be read with the
 * connections alone. Prints one JSON line per payload, `{ s, id, version, status, updatedAt, receivedAt }`
 * (s numbers the subscription, from `{ "first": n }`'s n), and `{ "done": true }` once stdin has ended and
 * every subscription has completed.
 */
import { createInterface } from 'node:readline';
import { type Client, createClient } from 'graphql-ws';
import { WebSocket } from 'ws';

const subscription = 'subscription ($id: ID!) { videoJob(id: $id) { id version status updatedAt } }';

// The reader (the bench) may be gone first: then there is no one left to tell.
process.stdout.on('error', () => process.exit(0));

const lines: string[] = [];
const flush = () => {
  if (lines.length > 0) process.stdout.write(`${lines.splice(0).join('\n')}\n`);
};
const flusher = setInterval(flush, 20);

let url = '';
let holding = false;
let subscriptionIndex = 0;
const connections: { client: Client; jobIds: string[] }[] = [];
const finished: Promise<void>[] = [];

function connect(jobIds: string[]): void {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    on: { connected: () => lines.push('{"connected":true}') },
    onNonLazyError: (error) => lines.push(JSON.stringify({ s: -1, id: '', error: String(error) })),
  });
  if (holding) connections.push({ client, jobIds });
  else subscribe({ client, jobIds });
}

function subscribe({ client, jobIds }: { client: Client; jobIds: string[] }): void {
  for (const id of jobIds) {
    const s = subscriptionIndex++;
    finished.push(
      new Promise((resolve) => {
        client.subscribe<{ videoJob: { id: string; version: number; status: string; updatedAt: string } }>(
          { query: subscription, variables: { id } },
          {
            next: ({ data }) => {
              if (!data) return;
              const { version, status, updatedAt } = data.videoJob;
              lines.push(
                JSON.stringify({ s, id, version, status, updatedAt: Date.parse(updatedAt), receivedAt: Date.now() }),
              );
            },
            error: (error) => {
              const message = error instanceof Error ? error.message : JSON.stringify(error);
              lines.push(JSON.stringify({ s, id, error: message }));
              resolve();
            },
            complete: () => resolve(),
          },
        );
      }),
    );
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  const message = JSON.parse(line) as
    | { url: string }
    | { first: number }
    | { hold: true }
    | { subscribe: true }
    | string[];
  if (Array.isArray(message)) connect(message);
  else if ('url' in message) url = message.url;
  else if ('first' in message) subscriptionIndex = message.first;
  else if ('hold' in message) holding = true;
  else for (const connection of connections.splice(0)) subscribe(connection);
}
await Promise.all(finished);
flush();
clearInterval(flusher);
process.stdout.write(`${JSON.stringify({ done: true })}\n`);
process.exit(0);
