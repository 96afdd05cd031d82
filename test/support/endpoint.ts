import type { GraphQLEndpoint } from './gateway.js';
import { graphqlAt } from './process.js';

/** The GraphQL endpoint at `url`, e.g. a gateway process's. */
export const endpointAt = (url: string): GraphQLEndpoint => ({
  graphql: (query, variables) => graphqlAt(url, query, variables),
});
