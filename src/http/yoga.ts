import type { IncomingMessage } from 'node:http';
import { useDisableIntrospection } from '@envelop/disable-introspection';
import { createYoga, type GraphiQLOptions, type Plugin } from 'graphql-yoga';
import type { Viewer } from '../domain/access.js';
import type { GraphQLContext } from '../schema/builder.js';
import { schema } from '../schema/index.js';
import { type Authenticate, admittedViewer } from './authentication.js';
import { useClientErrorCodes } from './client-error-codes.js';
import { corsOptions } from './cors.js';
import { useCsrfPrevention } from './csrf-prevention.js';
import type { ErrorReporting } from './error-reporting.js';
import { eventStreamFor, useEventStreamResume } from './event-stream-resume.js';
import { useGraphQLSse } from './graphql-sse.js';
import { useStreamedUploads } from './multipart-uploads.js';
import { useOperationLimits } from './operation-limits.js';
import type { PersistedOperations } from './persisted-operations.js';
import { type PersistedQueryStoreOptions, useAutomaticPersistedQueries } from './persisted-queries.js';
import { useRevocationCheck } from './revocation.js';

export interface GraphQLHandlerOptions {
  services: Omit<GraphQLContext, 'viewer'>;
  authenticate: Authenticate;
  /** Error masking and logging, shared with the WebSocket transport. */
  errors: ErrorReporting;
  /** Whether a browser page from this origin may call the API (`CORS_ORIGINS`). */
  allowsOrigin: (origin: string) => boolean;
  /** Schema introspection (`INTROSPECTION`); GraphiQL stays served either way. */
  introspection: boolean;
  /** Whether requests need a token: GraphiQL then opens with an Authorization header to fill in. */
  authRequired: boolean;
  /** Operations one graphql-sse reserved stream may carry at once. */
  maxOperationsPerStream: number;
  /** GraphiQL's page (see graphiql.ts). */
  renderGraphiQL: (options?: GraphiQLOptions) => Promise<string>;
  /** The allow-list mode (`PERSISTED_OPERATIONS_ONLY`); without it, automatic persisted queries. */
  persistedOperations?: PersistedOperations;
  /** Bounds of the automatic persisted queries' store; tests shrink them. */
  persistedQueryStore?: PersistedQueryStoreOptions;
  /** Plugins run after the gateway's own (tests observe executions with one). */
  extraPlugins?: GraphQLPlugin[] | undefined;
}

/** A Yoga (envelop) plugin. */
export type GraphQLPlugin = Plugin<Record<string, unknown>>;

export type GraphQLHandler = ReturnType<typeof createGraphQLHandler>;

/** The path of the one GraphQL endpoint (HTTP, SSE and WebSocket). */
export const graphqlPath = '/graphql';

/** GraphQL over HTTP (GET, POST, SSE), GraphiQL and the health check. */
export function createGraphQLHandler({
  services,
  authenticate,
  errors,
  allowsOrigin,
  introspection,
  authRequired,
  renderGraphiQL,
  maxOperationsPerStream,
  persistedOperations,
  persistedQueryStore,
  extraPlugins = [],
}: GraphQLHandlerOptions) {
  // `req` is Node's request (Yoga's node adapter passes it), `viewer` the WebSocket adapter's.
  return createYoga<{ viewer?: Viewer; req?: IncomingMessage }, GraphQLContext>({
    schema,
    // The WebSocket adapter authenticates once per connection and passes its viewer; a request with a body was
    // checked before its body was read; any other HTTP request is checked here.
    context: ({ request, req, viewer }) => ({
      ...services,
      // WebSocket operations come without a request; theirs resume with `afterVersion` alone.
      stream: request && eventStreamFor(request),
      viewer:
        viewer ??
        admittedViewer(req) ??
        authenticate({
          authorization: request.headers.get('authorization'),
          origin: request.headers.get('origin'),
          host: request.headers.get('host'),
        }),
    }),
    graphqlEndpoint: graphqlPath,
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    graphiql: {
      title: 'wan-i2v-gateway',
      // SSE, not WebSocket: a browser WebSocket cannot carry the header editor's Authorization header.
      subscriptionsProtocol: 'SSE',
      headers: authRequired ? JSON.stringify({ Authorization: 'Bearer <your wan_ token>' }, null, 2) : undefined,
    },
    // GraphiQL served from this package rather than a CDN, so it works on machines without internet access.
    // GraphiQL sends documents of its own (its schema query first), which the allow-list mode refuses: a
    // browser is told so instead.
    renderGraphiQL: persistedOperations ? async () => persistedOperations.browserPage : renderGraphiQL,
    // Yoga's default, made explicit: one operation per request, so the operation limits bound a request.
    batching: false,
    cors: corsOptions(allowsOrigin),
    plugins: [
      useCsrfPrevention(),
      useStreamedUploads(services.media.store),
      persistedOperations?.plugin ?? useAutomaticPersistedQueries(persistedQueryStore),
      useClientErrorCodes(),
      useRevocationCheck(authenticate),
      useEventStreamResume(),
      useGraphQLSse({ authenticate, errors, maxOperationsPerStream, persistedOperations }),
      ...useOperationLimits({ hideFieldSuggestions: !introspection }),
      ...(introspection ? [] : [useDisableIntrospection()]),
      errors.plugin,
      ...extraPlugins,
    ],
    maskedErrors: { maskError: errors.maskError },
    logging: errors.logging,
  });
}
