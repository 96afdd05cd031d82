/**
 * One hostile request: a body of `totalBytes` streamed as fast as the socket takes it (chunked, or with an
 * honest Content-Length). Resolves with the status the server answered and the milliseconds from the first
 * byte sent to the answer's status line, and how much of the body had been sent by then.
 */
import { request } from 'node:http';

export async function sendOversizedBody(
  url: string,
  totalBytes: number,
  framing: 'chunked' | 'content-length',
): Promise<{ status: number; ms: number; sentBytes: number }> {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    const startedAt = performance.now();
    const outgoing = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(framing === 'content-length' ? { 'content-length': String(totalBytes) } : {}),
        },
      },
      (response) => {
        const ms = performance.now() - startedAt;
        response.resume();
        outgoing.destroy();
        resolve({ status: response.statusCode ?? 0, ms, sentBytes });
      },
    );
    outgoing.on('error', (error) => {
      // The server may close its side once it has answered; the answer is what counts.
      if (sentBytes === 0) reject(error);
    });
    const pump = () => {
      while (sentBytes < totalBytes) {
        sentBytes += chunk.length;
        if (!outgoing.write(chunk)) return void outgoing.once('drain', pump);
      }
      outgoing.end();
    };
    pump();
  });
}
