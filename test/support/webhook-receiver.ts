import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One webhook as the receiver got it. */
export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  /** The status it was answered with; undefined while held unanswered. */
  status: number | undefined;
}

/** What to answer the request numbered `index` (0 for the first): a status, or `hang` to never answer. */
export type Answer = (index: number) => number | 'hang';

/** A loopback webhook receiver that records every request and answers as the test says. */
export interface WebhookReceiver {
  /** E.g. http://127.0.0.1:41234/hook */
  url: string;
  port: number;
  received: ReceivedWebhook[];
  /** Replaces how requests from now on are answered. @default every one 200 */
  answer: Answer;
  close(): Promise<void>;
}

const flatten = (headers: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));

export async function startWebhookReceiver(answer: Answer = () => 200): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const receiver = { received, answer } as WebhookReceiver;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const webhook: ReceivedWebhook = {
        headers: flatten(request.headers),
        body: Buffer.concat(chunks).toString('utf8'),
        status: undefined,
      };
      const status = receiver.answer(received.length);
      received.push(webhook);
      if (status === 'hang') return;
      webhook.status = status;
      response.writeHead(status, { 'content-type': 'text/plain' }).end('thanks');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  receiver.port = port;
  receiver.url = `http://127.0.0.1:${port}/hook`;
  receiver.close = async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  };
  return receiver;
}
