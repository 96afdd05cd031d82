import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { keepAlive } from '../src/http/websocket-keepalive.js';
import { cleanupAfterEach } from './support/cleanup.js';

const cleanup = cleanupAfterEach();

describe('one keep-alive timer for every socket', () => {
  it('drops a socket that stops answering pings and keeps one that answers', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(server, 'listening');
    const stop = keepAlive(server, 50);
    cleanup(() => new Promise((resolve) => server.close(resolve)), stop);
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const answering = new WebSocket(url);
    const silent = new WebSocket(url, { autoPong: false });
    cleanup(
      () => answering.terminate(),
      () => silent.terminate(),
    );
    await Promise.all([once(answering, 'open'), once(silent, 'open')]);

    const [code] = (await once(silent, 'close')) as [number];
    expect(code).toBe(1006);
    // Several ping rounds later, the answering socket is still open.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answering.readyState).toBe(WebSocket.OPEN);
  });
});
