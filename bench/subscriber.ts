/**
 * A crowd of real graphql-ws clients in their own process. Reads JSON lines on stdin: first `{ "url": … }`,
 * then one array of job ids per line, each line one WebSocket connection subscribing to those jobs. Prints
 * one JSON line per payload, `{ s, id, version, status, updatedAt, receivedAt }` (s numbers the
 * subscription), and `{ "done": true }` once stdin has ended and every subscription has completed.
 */
import { createInterface } from 'node:readline';
import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';

const subscription = 'subscription ($id: ID!) { videoJob(id: $id) { id version status updatedAt } }';

const lines: string[] = [];
const flush = () => {
  if (lines.length > 0) process.stdout.write(`${lines.splice(0).join('\n')}\n`);
};
const flusher = setInterval(flush, 20);

let url = '';
let subscriptionIndex = 0;
const finished: Promise<void>[] = [];

function connect(jobIds: string[]): void {
  const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
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
  const message = JSON.parse(line) as { url: string } | string[];
  if (Array.isArray(message)) connect(message);
  else url = message.url;
}
await Promise.all(finished);
flush();
clearInterval(flusher);
process.stdout.write(`${JSON.stringify({ done: true })}\n`);
process.exit(0);
