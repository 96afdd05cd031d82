import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { urlHost } from './address.js';
import { sendGraphQLError } from './refusal.js';
import { requestBodyLimit } from './request-size.js';

export interface HttpServerOptions {
  /** Request bodies over this many bytes are answered 413 and never read whole (`MAX_REQUEST_BYTES`). */
  maxRequestBytes: number;
  /** Whether a request's Host header may be served: the DNS rebinding guard (see host-check.ts). */
  allowsHost: (host: string | undefined) => boolean;
  /**
   * Why a request with a body, or a GET operation, must be refused before anything else (no or a bad token where one is
   * required), or undefined to read it: a stranger cannot make the server read 40 MB for nothing.
   */
  refusesCaller: (request: IncomingMessage) => Error | undefined;
  /** Routes served beside GraphQL (static files): each answers its requests and returns true, or returns false. */
  routes: readonly ((request: IncomingMessage, response: ServerResponse) => boolean)[];
}

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

/** Requests that carry a body; a CORS preflight (OPTIONS) never carries a token and must pass. */
const methodsWithBodies = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Whose caller is checked before anything else: a request with a body, and a GET operation (query string),
 * so that a stranger learns nothing, not even whether a persisted query's hash is known. A browser asking for
 * GraphiQL's page (HTML) is served the page, which asks for a token itself.
 */
const checkedFirst = (request: IncomingMessage) =>
  methodsWithBodies.has(request.method ?? '') ||
  (request.method === 'GET' && request.url?.includes('?') === true && !request.headers.accept?.includes('text/html'));

/** How long open streams and slow requests get on shutdown before their connections are closed. */
const drainGraceMs = 2000;

export function createHttpServer(handler: RequestListener, options: HttpServerOptions): HttpServer {
  const bodies = requestBodyLimit(options.maxRequestBytes);
  const server = createServer({ IncomingMessage: bodies.IncomingMessage });
  const serve: RequestListener<typeof bodies.IncomingMessage> = (request, response) => {
    if (!options.allowsHost(request.headers.host)) {
      sendGraphQLError(
        response,
        403,
        'FORBIDDEN_HOST',
        'bound to loopback, this gateway answers only to loopback names (localhost, 127.0.0.1, [::1])',
      );
      return;
    }
    if (options.routes.some((route) => route(request, response))) return;
    const refusal = checkedFirst(request) ? options.refusesCaller(request) : undefined;
    if (refusal !== undefined) {
      bodies.refuseUnread(request, response, 401, 'UNAUTHENTICATED', refusal.message, { 'WWW-Authenticate': 'Bearer' });
      return;
    }
    bodies.serve(request, response, handler);
  };
  server.on('request', serve);
  // Requests sent with `Expect: 100-continue` are only told to continue once they pass (see request-size.ts).
  server.on('checkContinue', serve);
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
