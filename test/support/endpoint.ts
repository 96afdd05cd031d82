import { graphqlAt } from '../../harness/graphql.js';
import type { GraphQLEndpoint } from './gateway.js';

/** The GraphQL endpoint at `url`, e.g. a gateway process's. */
export const endpointAt = (url: string): GraphQLEndpoint => ({
  graphql: (query, variables) => graphqlAt(url, query, variables),
});
