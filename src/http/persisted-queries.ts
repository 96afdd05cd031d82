import { createInMemoryAPQStore, useAPQ } from '@graphql-yoga/plugin-apq';
import { GraphQLError } from 'graphql';
import { createGraphQLError, type GraphQLParams, type Plugin, type YogaInitialContext } from 'graphql-yoga';
import { persistedQueryOf, uncacheable } from './persisted-query-extension.js';

export interface PersistedQueryStoreOptions {
  /** Documents kept; the least recently used one makes room for a new one. @default 1_000 */
  maxEntries?: number;
  /**
   * Longest document kept, in characters; a longer one still runs, it is only not kept, so its client keeps
   * sending it whole. With `maxEntries` this bounds the store (10 MB of text at the defaults). @default 10_000
   */
  maxDocumentLength?: number;
}

/** useAPQ's errors, with the not-found answer kept out of caches and the mismatch explained. */
function explained(error: GraphQLError): GraphQLError {
  switch (error.extensions.code) {
    case 'PERSISTED_QUERY_NOT_FOUND':
      // Message and code stay as they are: Apollo's PersistedQueryLink looks for either to send the document.
      return createGraphQLError(error.message, {
        extensions: { ...error.extensions, http: { status: 404, headers: uncacheable } },
      });
    case 'PERSISTED_QUERY_MISMATCH':
      return createGraphQLError(
        `${error.message}: the document's SHA-256 is not the sha256Hash sent; nothing was stored`,
        {
          extensions: error.extensions,
        },
      );
    default:
      return error;
  }
}

/**
 * Automatic persisted queries (Apollo's APQ protocol, over POST and GET): a client sends a document's
 * SHA-256 alone; when the answer is PERSISTED_QUERY_NOT_FOUND it sends the document with its hash, which
 * registers it. The protocol is @graphql-yoga/plugin-apq's (hash check, lookup, its errors); this adds when a
 * document may be kept: only once it is about to run, that is parsed, within the operation limits, valid,
 * and its caller authenticated, so nothing a refused request sent is ever stored.
 */
export function useAutomaticPersistedQueries({
  maxEntries = 1000,
  maxDocumentLength = 10_000,
}: PersistedQueryStoreOptions = {}): Plugin {
  // No time limit: an entry leaves only to make room, as a bounded LRU needs no other rule.
  const documents = createInMemoryAPQStore({ max: maxEntries, ttl: 0 });
  // useAPQ would store a document as soon as its hash matched, before any check: it gets lookups only.
  const apq = useAPQ({ store: { get: (hash) => documents.get(hash), set: () => undefined } });
  // Requests that sent a document with its verified hash, to be stored if they get as far as running.
  const registrations = new WeakMap<GraphQLParams, string>();
  const keep = (context: unknown) => {
    const params = (context as Partial<YogaInitialContext>).params;
    const hash = params && registrations.get(params);
    if (hash !== undefined && typeof params?.query === 'string') documents.set(hash, params.query);
  };

  return {
    async onParams(payload) {
      const persisted = persistedQueryOf(payload.params.extensions);
      if (!persisted) return;
      try {
        await apq.onParams?.(payload);
      } catch (error) {
        throw error instanceof GraphQLError ? explained(error) : error;
      }
      const { query } = payload.params;
      if (typeof query === 'string' && query.length <= maxDocumentLength) {
        registrations.set(payload.params, persisted.sha256Hash);
      }
    },
    onExecute: ({ args }) => keep(args.contextValue),
    onSubscribe: ({ args }) => keep(args.contextValue),
  };
}
