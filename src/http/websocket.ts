import type { Server } from 'node:http';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { type GraphQLHandler, graphqlPath } from './yoga.js';

export interface WebSocketOptions {
  /** GraphQL subscriptions one connection may hold at once. */
  maxSubscriptionsPerConnection: number;
}

/** WebSocket close code for "server going away". */
const goingAway = 1001;

/**
 * graphql-ws (`graphql-transport-ws`) on the GraphQL path, executed through Yoga's envelop so both
 * transports share one pipeline (schema, context, error masking). Returns its idempotent close.
 */
export function serveGraphQLOverWebSocket(
  server: Server,
  yoga: GraphQLHandler,
  options: WebSocketOptions,
): { close(): Promise<void> } {
  const webSockets = new WebSocketServer({ server, path: graphqlPath });
  type Enveloped = ReturnType<typeof yoga.getEnveloped>;
  useServer(
    {
      execute: (args) => (args.rootValue as { execute: Enveloped['execute'] }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: Enveloped['subscribe'] }).subscribe(args),
      onSubscribe: async (context, _id, payload) => {
        // graphql-ws has already entered this subscription in the list when it asks.
        if (Object.keys(context.subscriptions).length > options.maxSubscriptionsPerConnection) {
          const message = `at most ${options.maxSubscriptionsPerConnection} subscriptions per connection; open another connection`;
          return [new GraphQLError(message, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })];
        }
        const {
          schema: envelopedSchema,
          execute,
          subscribe,
          contextFactory,
          parse,
          validate,
        } = yoga.getEnveloped({ req: context.extra.request, socket: context.extra.socket, params: payload });
        const document = parse(payload.query);
        const errors = validate(envelopedSchema, document);
        if (errors.length > 0) return errors;
        return {
          schema: envelopedSchema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    },
    webSockets,
  );
  return {
    close: () => {
      for (const socket of webSockets.clients) socket.close(goingAway, 'server shutting down');
      return new Promise((resolve) => webSockets.close(() => resolve()));
    },
  };
}
