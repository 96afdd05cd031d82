import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { GraphQLContext } from '../schema/builder.js';
import { callerRefusal, createAuthenticate } from './authentication.js';
import { originListing, originPolicy } from './cors.js';
import { createErrorReporting } from './error-reporting.js';
import { createGraphiQL } from './graphiql.js';
import { hostPolicy } from './host-check.js';
import { createMediaRoute } from './media-route.js';
import { createPersistedOperations } from './persisted-operations.js';
import type { PersistedQueryStoreOptions } from './persisted-queries.js';
import { createHttpServer, type HttpServer } from './server.js';
import { serveGraphQLOverWebSocket } from './websocket.js';
import { createGraphQLHandler, type GraphQLPlugin } from './yoga.js';

export interface ApiOptions {
  services: Omit<GraphQLContext, 'viewer'>;
  logger: Logger;
  /** Told of every error of our own (a bug), after it is logged. */
  onUnexpectedError: (error: unknown) => void;
  /** How long a WebSocket may stay open without `connection_init`. @default 3_000 */
  connectionInitWaitTimeoutMs?: number | undefined;
  /** Bounds of the automatic persisted queries' store. */
  persistedQueryStore?: PersistedQueryStoreOptions | undefined;
  /** Plugins after the gateway's own. @default none */
  graphqlPlugins?: GraphQLPlugin[] | undefined;
}

/**
 * The transports over the services: who a caller is, the browser and request guards, GraphQL over HTTP, SSE
 * and graphql-sse (Yoga), GraphiQL, the media links, and graphql-ws on the same server. Not listening yet.
 */
export function serveApi(
  config: Config,
  options: ApiOptions,
): { http: HttpServer; webSockets: { close(): Promise<void> } } {
  const { services, logger } = options;
  const authenticate = createAuthenticate({
    tokens: services.tokens,
    authRequired: config.access.authRequired,
    listsOrigin: originListing(config.limits.corsOrigins),
  });
  const errors = createErrorReporting(logger, options.onUnexpectedError);
  const allowsOrigin = originPolicy(config.limits.corsOrigins);
  const allowsHost = hostPolicy(config.host);
  const graphiql = createGraphiQL(logger);
  const persistedOperations =
    config.persistedOperations && createPersistedOperations(config.persistedOperations.documents);
  const yoga = createGraphQLHandler({
    renderGraphiQL: graphiql.render,
    services,
    authenticate,
    errors,
    allowsOrigin,
    introspection: config.limits.introspection,
    authRequired: config.access.authRequired,
    maxOperationsPerStream: config.webSocket.maxSubscriptionsPerConnection,
    persistedOperations,
    persistedQueryStore: options.persistedQueryStore,
    extraPlugins: options.graphqlPlugins,
  });
  const http = createHttpServer(yoga, {
    maxRequestBytes: config.limits.maxRequestBytes,
    allowsHost,
    refusesCaller: callerRefusal(authenticate, (error) => errors.logClientErrors([error])),
    routes: [createMediaRoute(services.media, logger), ...(persistedOperations ? [] : [graphiql.serve])],
  });
  const webSockets = serveGraphQLOverWebSocket(http.server, yoga, {
    ...config.webSocket,
    authenticate,
    maxPayloadBytes: config.limits.maxRequestBytes,
    connectionInitWaitTimeoutMs: options.connectionInitWaitTimeoutMs ?? 3000,
    allowsHost,
    allowsOrigin,
    errors,
    logger,
    persistedOperations,
  });
  return { http, webSockets };
}
