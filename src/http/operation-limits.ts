import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The contract's limits on one operation (section 5). */
const operationLimits = { depth: 10, aliases: 15, tokens: 2000, directives: 20, cost: 5000 } as const;

/**
 * The longest document parsed at all: 2,000 tokens of 50 characters each. A longer one is refused before it
 * reaches the parser or Yoga's document cache, which keeps failed documents too, keyed by their text.
 */
const maxDocumentLength = 100_000;

/**
 * An operation over a limit, a client mistake. Deliberately not a GraphQLError: Yoga marks GraphQLErrors from
 * parsing as spec errors, answered 200 under `Accept: application/json`; the error masking turns this into a
 * GraphQL error answered 400 whatever the client accepts.
 */
export class OperationLimitError extends Error {
  override name = 'OperationLimitError';

  toGraphQLError(): GraphQLError {
    return new GraphQLError(this.message, { extensions: { code: 'OPERATION_LIMIT', http: { status: 400 } } });
  }
}

// graphql-armor reports a refusal to these callbacks; throwing ends parsing or validation at the first one.
const refuse = {
  propagateOnRejection: false,
  onReject: [
    (_context: unknown, error: GraphQLError) => {
      throw new OperationLimitError(error.message.replace(/^Syntax Error: /, ''));
    },
  ],
};

const documentLengthCap: Plugin = {
  onParse: ({ params: { source } }) => {
    const length = typeof source === 'string' ? source.length : source.body.length;
    if (length > maxDocumentLength) {
      throw new OperationLimitError(`the document is ${length} characters long; at most ${maxDocumentLength}`);
    }
  },
};

/**
 * Operation limits for both transports (graphql-ws runs Yoga's envelop parse and validate too).
 *
 * Depth and cost leave out what is under `__schema` (graphql-armor's default): GraphiQL's own schema query
 * is 21 deep and costs 87,497, so counting it would refuse the product's GraphiQL. Introspection is bounded
 * instead by the token limit (a 2,000-deep `ofType` chain is 6,000 tokens), the alias and directive limits,
 * and graphql-js's own MaxIntrospectionDepthRule (part of its specified rules), which refuses nested
 * `fields { type { fields ...` lists.
 */
export function useOperationLimits({ hideFieldSuggestions }: { hideFieldSuggestions: boolean }): Plugin[] {
  return [
    documentLengthCap,
    EnvelopArmorPlugin({
      maxDepth: { n: operationLimits.depth, ...refuse },
      maxAliases: { n: operationLimits.aliases, ...refuse },
      maxTokens: { n: operationLimits.tokens, ...refuse },
      maxDirectives: { n: operationLimits.directives, ...refuse },
      costLimit: { maxCost: operationLimits.cost, ...refuse },
      // "Did you mean ..." names fields: harmless while introspection is on, a leak once it is off.
      blockFieldSuggestion: { enabled: hideFieldSuggestions },
    }),
  ];
}
