import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentWav, tinyPng } from './media.js';

/** A loopback web server of media links, good and bad, that records what it was asked for. */
export interface MediaServer {
  /** E.g. http://127.0.0.1:41234 */
  origin: string;
  port: number;
  /** The path and query of every request received, in order. */
  requests: string[];
  /** Bytes of `/endless.png` written before the client went away. */
  endlessBytesSent(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Routes: `/cat.png` and `/voice.wav` (real files), `/page.html` (HTML), `/missing.png` (404), `/stalled.png`
 * (never answers), `/stalls-after-headers.png` (headers, a few bytes, then nothing), `/endless.png` (a PNG
 * header and then more bytes than anyone should read), `/hops/N` (N redirects, then `/cat.png`),
 * `/redirect?to=<Location>` (one redirect to anywhere).
 */
export async function startMediaServer(): Promise<MediaServer> {
  const requests: string[] = [];
  let endlessSent: (bytes: number) => void = () => {};
  const endless = new Promise<number>((resolve) => {
    endlessSent = resolve;
  });
  const send = (response: ServerResponse, status: number, type: string, body: Buffer | string) => {
    response.writeHead(status, { 'content-type': type }).end(body);
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fixture');
    requests.push(`${url.pathname}${url.search}`);
    const hops = /^\/hops\/(\d+)$/.exec(url.pathname);
    if (hops) {
      const left = Number(hops[1]);
      response.writeHead(302, { location: left > 1 ? `/hops/${left - 1}` : '/cat.png' }).end();
    } else if (url.pathname === '/redirect') {
      response.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
    } else if (url.pathname === '/cat.png') {
      send(response, 200, 'image/png', tinyPng);
    } else if (url.pathname === '/voice.wav') {
      send(response, 200, 'audio/wav', silentWav(5));
    } else if (url.pathname === '/page.html') {
      send(response, 200, 'text/html; charset=utf-8', '<!doctype html><title>Not the cat</title>');
    } else if (url.pathname === '/stalls-after-headers.png') {
      response.writeHead(200, { 'content-type': 'image/png' }).write(tinyPng.subarray(0, 4));
    } else if (url.pathname === '/endless.png') {
      writeEndlessly(response).then(endlessSent);
    } else if (url.pathname !== '/stalled.png') {
      send(response, 404, 'text/plain', 'not found');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    endlessBytesSent: () => endless,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Writes 64 KB chunks while the client reads, up to 256 MB; resolves with the bytes written when it stops. */
async function writeEndlessly(response: ServerResponse): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 0x42);
  tinyPng.copy(chunk);
  response.writeHead(200, { 'content-type': 'image/png' });
  let sent = 0;
  let resume = () => {};
  response.on('drain', () => resume());
  response.on('close', () => resume());
  while (sent < 256 * 1024 * 1024 && !response.destroyed) {
    sent += chunk.length;
    if (!response.write(chunk)) {
      await new Promise<void>((resolve) => {
        resume = resolve;
      });
    }
  }
  response.end();
  return sent;
}
