import { createYoga, maskError } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Viewer } from '../domain/access.js';
import type { GraphQLContext } from '../schema/builder.js';
import { schema } from '../schema/index.js';
import { clientErrorFor } from '../schema/service-errors.js';
import type { Authenticate } from './authentication.js';

export interface GraphQLHandlerOptions {
  services: Omit<GraphQLContext, 'viewer'>;
  authenticate: Authenticate;
  logger: Logger;
  /** Told of every error a resolver threw that no rule maps to a client answer: a bug, masked for the client. */
  onUnexpectedError: (error: unknown) => void;
}

export type GraphQLHandler = ReturnType<typeof createGraphQLHandler>;

/** The path of the one GraphQL endpoint (HTTP, SSE and WebSocket). */
export const graphqlPath = '/graphql';

/** GraphQL over HTTP (GET, POST, SSE), GraphiQL and the health check. */
export function createGraphQLHandler({ services, authenticate, logger, onUnexpectedError }: GraphQLHandlerOptions) {
  return createYoga<{ viewer?: Viewer }, GraphQLContext>({
    schema,
    // The WebSocket adapter authenticates once per connection and passes its viewer; HTTP requests each here.
    context: ({ request, viewer }) => ({
      ...services,
      viewer: viewer ?? authenticate(request.headers.get('authorization')),
    }),
    graphqlEndpoint: graphqlPath,
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    graphiql: { title: 'wan-i2v-gateway', subscriptionsProtocol: 'WS' },
    // GraphiQL served from this package rather than a CDN, so it works on machines without internet access.
    // Loaded on the first browser visit: its 18 MB bundle would otherwise add 0.4 s to every start.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    maskedErrors: {
      // Service errors become their client answers here, once, rather than in each resolver.
      maskError: (error, message, isDev) => {
        const thrown = error instanceof Error && 'originalError' in error ? (error.originalError ?? error) : error;
        const known = clientErrorFor(thrown);
        if (known) return known;
        const masked = maskError(error, message, isDev);
        if (masked !== error) onUnexpectedError(thrown);
        return masked;
      },
    },
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      error: (...args) => logger.error({ err: args[0] }, args.slice(1).map(String).join(' ') || 'GraphQL error'),
    },
  });
}
