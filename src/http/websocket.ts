import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, type Context, MessageType, makeServer, parseMessage } from 'graphql-ws';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Viewer } from '../domain/access.js';
import type { Authenticate, Credentials } from './authentication.js';
import type { ErrorReporting } from './error-reporting.js';
import { serveProtocol } from './graphql-ws-adapter.js';
import { type OperationPayload, prepareOperation, refused, tooManyOperations } from './operation-preparation.js';
import type { PersistedOperations } from './persisted-operations.js';
import { refuseUpgrade } from './refusal.js';
import { SharedSubscriber } from './shared-subscriber.js';
import { type Joined, SharedSubscriptions, sharingKey } from './shared-subscriptions.js';
import { keepAlive } from './websocket-keepalive.js';
import { type GraphQLHandler, graphqlPath } from './yoga.js';

export interface WebSocketOptions {
  /** GraphQL subscriptions one connection may hold at once. */
  maxSubscriptionsPerConnection: number;
  authenticate: Authenticate;
  /** Largest message (`MAX_REQUEST_BYTES`); a larger one closes its socket with 1009. */
  maxPayloadBytes: number;
  /** How long a socket may stay open without `connection_init`; then it is closed with 4408. */
  connectionInitWaitTimeoutMs: number;
  /** The DNS rebinding guard, as for HTTP requests. */
  allowsHost: (host: string | undefined) => boolean;
  /** `CORS_ORIGINS`: an upgrade from a browser page of another origin is refused. */
  allowsOrigin: (origin: string) => boolean;
  errors: ErrorReporting;
  logger: Logger;
  /** The allow-list mode: a subscribe message names a listed operation by id; any other is refused on its id. */
  persistedOperations?: PersistedOperations | undefined;
}

/**
 * What graphql-ws keeps of a connection for us: its socket, the upgrade request until the connection is
 * accepted, and then who it acts for and how it proved it.
 */
interface Connection {
  readonly socket: WebSocket;
  request: IncomingMessage | undefined;
  viewer: Viewer | undefined;
  credentials: Credentials | undefined;
  /** Ids of subscribe messages whose operation is being prepared (made at the first). */
  preparing?: Set<string>;
}
type ConnectionContext = Context<Record<string, unknown> | undefined, Connection>;

/** WebSocket close code for "server going away". */
const goingAway = 1001;
/** graphql-ws's close code for a refused connection. */
const forbidden = 4403;
/** How often open connections' tokens are checked again: a revoked token's sockets close within this. */
const recheckIntervalMs = 2000;
/** How often each socket is pinged; one that has not answered by the next ping is dropped. graphql-ws's default. */
const keepAliveIntervalMs = 12_000;

/**
 * graphql-ws (`graphql-transport-ws`) on the GraphQL path, executed through Yoga's envelop so both
 * transports share one pipeline (schema, context, limits, error masking). Returns its idempotent close.
 */
export function serveGraphQLOverWebSocket(
  server: Server,
  yoga: GraphQLHandler,
  options: WebSocketOptions,
): { close(): Promise<void> } {
  const webSockets = new WebSocketServer({ noServer: true, path: graphqlPath, maxPayload: options.maxPayloadBytes });
  type Enveloped = ReturnType<typeof yoga.getEnveloped>;
  const connections = new Map<WebSocket, ConnectionContext>();
  // Each bad operation is answered with an `error` message for its id alone; the socket stays.
  const preparation = { yoga, errors: options.errors, persistedOperations: options.persistedOperations };
  // Identical subscriptions of one viewer scope are executed once and their results written to every socket.
  const shared = new SharedSubscriptions((errors) => options.errors.logClientErrors(errors));
  const protocol = makeServer<Record<string, unknown> | undefined, Connection>({
    connectionInitWaitTimeout: options.connectionInitWaitTimeoutMs,
    // The token is checked once here; a refused connection closes 4403 before any operation.
    onConnect: (context) => {
      const headers = context.extra.request?.headers ?? {};
      // Nothing needs the upgrade request past this point; graphql-ws's own adapter keeps it with the socket.
      context.extra.request = undefined;
      const credentials = {
        authorization: context.connectionParams?.authorization,
        origin: headers.origin,
        host: headers.host,
      };
      try {
        context.extra.viewer = options.authenticate(credentials);
      } catch {
        return false;
      }
      context.extra.credentials = credentials;
      connections.set(context.extra.socket, context);
      return true;
    },
    onClose: (context) => {
      connections.delete(context.extra.socket);
    },
    // Errors inside results (e.g. an unknown job id) are client mistakes too; ours were masked and logged already.
    onNext: (_context, _id, _payload, _args, result) => {
      if (result.errors) options.errors.logClientErrors(result.errors);
    },
    execute: (args) => (args.rootValue as { execute: Enveloped['execute'] }).execute(args),
    subscribe: (args) =>
      args.rootValue instanceof SharedSubscriber
        ? args.rootValue
        : (args.rootValue as { subscribe: Enveloped['subscribe'] }).subscribe(args),
    onSubscribe: async (context, id, payload) => {
      // graphql-ws has already entered this subscription in the list when it asks.
      if (Object.keys(context.subscriptions).length > options.maxSubscriptionsPerConnection) {
        const message = `at most ${options.maxSubscriptionsPerConnection} subscriptions per connection; open another connection`;
        return refused(options.errors, [tooManyOperations(message)]).errors;
      }
      const { socket, viewer } = context.extra;
      // graphql-ws asks only once onConnect has accepted the connection (and set its viewer).
      if (!viewer) throw new Error('a subscribe before the connection was accepted');
      const key = sharingKey(viewer, payload);
      // The same operation running already was prepared (and so checked) for the same viewer scope.
      const joined = key === undefined ? undefined : shared.join(key, id, socket);
      if (joined) return sharedArguments(joined, payload);
      context.extra.preparing ??= new Set();
      const { preparing } = context.extra;
      preparing.add(id);
      const prepared = await prepareOperation(preparation, { viewer }, payload).finally(() => preparing.delete(id));
      if ('errors' in prepared) return prepared.errors;
      const { execute, subscribe } = prepared.enveloped;
      if (!prepared.isSubscription || key === undefined) return { ...prepared.args, rootValue: { execute, subscribe } };
      // Another identical one may have started while this one was being prepared.
      const late = shared.join(key, id, socket);
      if (late) return sharedArguments(late, payload);
      const { args } = prepared;
      const started = shared.start(key, args, id, socket, (stream) =>
        subscribe({ ...args, contextValue: Object.assign(args.contextValue, { stream }) }),
      );
      return sharedArguments(started, payload);
    },
  });

  /**
   * A subscribe message that an execution running already answers is joined here, at once: graphql-ws only
   * lists it (for the client's `complete`, the socket's close and the limit per connection) and keeps no task
   * for it. Anything else, this message included when it is refused or starts an execution, goes to graphql-ws.
   */
  const joinRunning = (socket: WebSocket, data: string): boolean => {
    const context = connections.get(socket);
    const viewer = context?.extra.viewer;
    if (!context?.acknowledged || !viewer || !data.includes('"subscribe"')) return false;
    let message: ReturnType<typeof parseMessage>;
    try {
      message = parseMessage(data);
    } catch {
      return false;
    }
    if (message.type !== MessageType.Subscribe) return false;
    const { id, payload } = message;
    const { subscriptions } = context;
    // Completed while still being prepared, the id is not free yet: graphql-ws would answer both operations on it.
    if (context.extra.preparing?.has(id) && !(id in subscriptions)) {
      socket.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
      return true;
    }
    if (id in subscriptions || Object.keys(subscriptions).length >= options.maxSubscriptionsPerConnection) return false;
    const key = sharingKey(viewer, payload);
    const joined = key === undefined ? undefined : shared.join(key, id, socket, context);
    if (!joined) return false;
    subscriptions[id] = joined.subscriber;
    return true;
  };
  const connectionFor = (socket: WebSocket, request: IncomingMessage): Connection => ({
    socket,
    request,
    viewer: undefined,
    credentials: undefined,
  });
  serveProtocol(webSockets, protocol, connectionFor, joinRunning, (error) =>
    options.logger.error({ err: error }, 'graphql-ws failed on a message'),
  );
  // One timer pings every socket rather than one timer per socket.
  const stopKeepAlive = keepAlive(webSockets, keepAliveIntervalMs);
  /** What graphql-ws is told to run for a shared subscriber: the subscriber itself is its result stream. */
  const sharedArguments = ({ subscriber, operation }: Joined, payload: OperationPayload) => ({
    schema: operation.schema,
    document: operation.document,
    operationName: payload.operationName,
    variableValues: payload.variables,
    contextValue: null,
    rootValue: subscriber,
  });
  const onClientError = (error: Error) =>
    options.logger.debug({ err: error.message }, 'WebSocket closed on a client error');
  webSockets.on('connection', (socket) => {
    // ws closes a socket on a client's protocol error (1009 for an oversized message) and then reports it;
    // graphql-ws would print that to stderr as an internal error. Registered after graphql-ws's, so it replaces it.
    socket.removeAllListeners('error');
    socket.on('error', onClientError);
  });

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!webSockets.shouldHandle(request)) {
      refuseUpgrade(socket, 404, 'NOT_FOUND', `WebSockets are served on ${graphqlPath} only`);
      return;
    }
    if (!options.allowsHost(request.headers.host)) {
      refuseUpgrade(socket, 403, 'FORBIDDEN_HOST', 'bound to loopback, this gateway answers only to loopback names');
      return;
    }
    // Browsers always send Origin with an upgrade; other clients need not, and pass.
    const origin = request.headers.origin;
    if (origin !== undefined && !options.allowsOrigin(origin)) {
      refuseUpgrade(
        socket,
        403,
        'FORBIDDEN_ORIGIN',
        `pages from ${origin} may not open a WebSocket here (CORS_ORIGINS)`,
      );
      return;
    }
    webSockets.handleUpgrade(request, socket, head, (webSocket) => webSockets.emit('connection', webSocket, request));
  };
  server.on('upgrade', onUpgrade);

  // Revocation reaches open connections too: each is checked again, cheaply (tokens are cached).
  const recheck = setInterval(() => {
    for (const [socket, { extra }] of connections) {
      try {
        if (extra.credentials) options.authenticate(extra.credentials);
      } catch {
        connections.delete(socket);
        socket.close(forbidden, 'Forbidden: the token was revoked');
      }
    }
  }, recheckIntervalMs);
  recheck.unref();
  return {
    close: () => {
      clearInterval(recheck);
      stopKeepAlive();
      server.off('upgrade', onUpgrade);
      for (const socket of webSockets.clients) socket.close(goingAway, 'server shutting down');
      return new Promise((resolve) => webSockets.close(() => resolve()));
    },
  };
}
