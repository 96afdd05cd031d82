import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { relayStylePagination } from '@apollo/client/utilities';
import { OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import introspection from '../../../starter-kit/generated/possible-types.json' with { type: 'json' };

/**
 * Apollo Client as the README sets it up: queries and mutations over HTTP with the token in `Authorization`,
 * subscriptions over graphql-ws with it in `connectionParams`, a cache that knows the schema's possible
 * types and pages `videoJobs` Relay-style. `possibleTypes: false` leaves the starter kit's file out.
 */
export function apolloClient(url: string, token: string, options: { possibleTypes?: boolean } = {}) {
  const authorization = `Bearer ${token}`;
  const socket = createClient({
    url: url.replace(/^http/, 'ws'),
    // Node 20 has no WebSocket of its own; browsers and Node 22+ need no webSocketImpl.
    webSocketImpl: WebSocket,
    connectionParams: { authorization },
    lazy: true,
    retryAttempts: 0,
  });
  const cache = new InMemoryCache({
    possibleTypes: options.possibleTypes === false ? {} : introspection.possibleTypes,
    typePolicies: { Query: { fields: { videoJobs: relayStylePagination(['status']) } } },
  });
  const client = new ApolloClient({
    link: ApolloLink.split(
      (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
      new GraphQLWsLink(socket),
      new HttpLink({ uri: url, headers: { authorization } }),
    ),
    cache,
  });
  return {
    client,
    /** The client's cache with its own type: `client.cache` is typed as any cache. */
    cache,
    async close() {
      client.stop();
      await socket.dispose();
    },
  };
}
