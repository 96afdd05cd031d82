import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { urlHost } from './address.js';

export interface HttpServer {
  server: Server;
  /** Listens on `host:port` (0: any free port); resolves with the origin, e.g. http://127.0.0.1:4000. */
  listen(port: number, host: string): Promise<string>;
  /**
   * Stops accepting connections at the first call; resolves once requests in flight have ended (open
   * streams are cut after a grace period). Every call returns the same promise.
   */
  drain(): Promise<void>;
}

/** How long open streams and slow requests get on shutdown before their connections are closed. */
const drainGraceMs = 2000;

export function createHttpServer(handler: RequestListener): HttpServer {
  const server = createServer(handler);
  let drained: Promise<void> | undefined;
  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(`http://${urlHost(server.address() as AddressInfo)}:${(server.address() as AddressInfo).port}`);
        });
      }),
    drain: () => {
      drained ??= new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        // SSE streams and idle keep-alive connections would otherwise hold the server open.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), drainGraceMs).unref();
      });
      return drained;
    },
  };
}
