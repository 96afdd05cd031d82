import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { maxUnsentBytes } from '../src/http/socket-frames.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { defaultPolling, startOnManualClock } from './support/drive.js';
import { collectSubscription, createJob } from './support/gateway.js';

const cleanup = cleanupAfterEach();

/** A big result from a small request: the job's 1,500-character prompt, 14 times over (about 21 KB). */
const bigSubscription = `subscription ($id: ID!) { videoJob(id: $id) { id version ${Array.from(
  { length: 14 },
  (_, index) => `p${index}: prompt`,
).join(' ')} } }`;

/** A raw graphql-transport-ws connection, acknowledged, with every frame it reads. */
async function rawConnection(url: string) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  cleanup(() => socket.terminate());
  const frames: string[] = [];
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  socket.on('error', () => {});
  socket.on('message', (data) => frames.push(String(data)));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init' }));
  await expect.poll(() => frames.some((frame) => frame.includes('connection_ack'))).toBe(true);
  return { socket, frames, closed };
}

async function started() {
  const { gateway } = await startOnManualClock({ queueMs: 5000, processingMs: 60_000 }, defaultPolling, cleanup);
  const id = await createJob(gateway, { prompt: 'p'.repeat(1500) });
  // One subscriber keeps the shared execution running, so that each later subscribe joins it at once.
  const holder = collectSubscription(gateway.wsClient(), bigSubscription, { id });
  await expect.poll(() => holder.payloads.length).toBe(1);
  return { gateway, id, holder };
}

describe('a WebSocket client that stops reading', () => {
  it('is dropped once its unsent frames pass the cap, instead of growing the server without bound', async () => {
    const { gateway, id, holder } = await started();
    const attacker = await rawConnection(gateway.wsUrl);
    // It stops reading, and asks for the ~21 KB snapshot again and again (subscribe, complete: the limit never fills).
    (attacker.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const subscribe = JSON.stringify({
      id: 'x',
      type: 'subscribe',
      payload: { query: bigSubscription, variables: { id } },
    });
    const complete = JSON.stringify({ id: 'x', type: 'complete' });
    const pairs = 2000; // ~42 MB of snapshots, ten times the cap
    for (let sent = 0; sent < pairs && attacker.socket.readyState === WebSocket.OPEN; sent += 100) {
      for (let n = 0; n < 100; n++) {
        attacker.socket.send(subscribe);
        attacker.socket.send(complete);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    (attacker.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    await attacker.closed;
    // What reached it is what fitted under the cap (and in the kernel's buffers), not all it asked for.
    const received = attacker.frames.reduce((bytes, frame) => bytes + frame.length, 0);
    expect(received).toBeLessThan(maxUnsentBytes + 16 * 1024 ** 2);
    expect(attacker.frames.length).toBeLessThan(pairs);

    // Everyone else is served on.
    const other = collectSubscription(gateway.wsClient(), bigSubscription, { id });
    await expect.poll(() => other.payloads.length).toBe(1);
    expect(holder.payloads).toHaveLength(1);
  });
});

describe('what is not shared', () => {
  it('a variable JSON cannot say again (1e400) runs on its own and is refused, not joined to the null one', async () => {
    const { gateway, id } = await started();
    const client = await rawConnection(gateway.wsUrl);
    const query = 'subscription ($id: ID!, $after: Int) { videoJob(id: $id, afterVersion: $after) { id version } }';
    const open = collectSubscription(gateway.wsClient(), query, { id, after: null });
    await expect.poll(() => open.payloads.length).toBe(1);
    // Written by hand: JSON.stringify cannot make 1e400, which JSON.parse reads as Infinity.
    client.socket.send(
      `{"id":"big","type":"subscribe","payload":{"query":${JSON.stringify(query)},"variables":{"id":${JSON.stringify(id)},"after":1e400}}}`,
    );
    await expect.poll(() => client.frames.find((frame) => frame.includes('"big"'))).toBeDefined();
    const answer = JSON.parse(client.frames.find((frame) => frame.includes('"big"')) ?? '{}');
    expect(answer.type).toBe('error');
    expect(JSON.stringify(answer.payload)).toContain('Int');
  });

  it('an id completed and subscribed again while its first operation is still prepared closes the socket 4409', async () => {
    const { gateway, id } = await started();
    const client = await rawConnection(gateway.wsUrl);
    // A document no one runs yet, so the first subscribe is prepared (asynchronously) rather than joined.
    const subscribe = JSON.stringify({
      id: '1',
      type: 'subscribe',
      payload: { query: 'subscription ($id: ID!) { videoJob(id: $id) { version status } }', variables: { id } },
    });
    const raw = (client.socket as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
    raw.cork();
    client.socket.send(subscribe);
    client.socket.send(JSON.stringify({ id: '1', type: 'complete' }));
    client.socket.send(subscribe);
    raw.uncork();
    expect(await client.closed).toBe(4409);
    expect(client.frames.filter((frame) => frame.includes('"next"')).length).toBeLessThanOrEqual(1);
  });
});
