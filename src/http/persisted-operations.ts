import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { persistedQueryOf, uncacheable } from './persisted-query-extension.js';

/** The allow-list mode (`PERSISTED_OPERATIONS_ONLY`): only the operations of a manifest run, named by id. */
export interface PersistedOperations {
  /** Yoga's side: HTTP (POST and GET) and SSE. */
  plugin: Plugin;
  /**
   * graphql-ws's side: the listed document a subscribe payload names by `extensions.persistedQuery`
   * (its `query` empty: graphql-ws requires the field), or the same error HTTP would answer.
   */
  documentFor(payload: { query: string; extensions?: Record<string, unknown> | null }): string;
  /** What a browser gets at the GraphQL path in place of GraphiQL, which could only send refused documents. */
  browserPage: string;
}

// One error per refusal, the same on every transport. Their codes are Apollo Router's and this plugin's
// defaults, so clients that know persisted-query lists recognise them; none is PERSISTED_QUERY_NOT_FOUND,
// which would make Apollo's PersistedQueryLink send the whole document, only to be refused again.
const documentSent = () =>
  new GraphQLError(
    'PersistedQueryOnly: this server runs only the operations of its allow-list; send the operation id as extensions.persistedQuery.sha256Hash, without a query',
    { extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } } },
  );
const idMissing = () =>
  new GraphQLError(
    'PersistedQueryIdRequired: this server runs only the operations of its allow-list; name one with extensions.persistedQuery {"version":1,"sha256Hash":"<id>"}',
    { extensions: { code: 'PERSISTED_QUERY_ID_REQUIRED', http: { status: 400 } } },
  );
const notListed = (id: string) =>
  new GraphQLError(`PersistedQueryNotInList: no operation with id "${id}" in the allow-list`, {
    extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST', http: { status: 404, headers: uncacheable } },
  });

/** The allow-list mode over `documents` (operation id -> document text, from `PERSISTED_OPERATIONS_FILE`). */
export function createPersistedOperations(documents: ReadonlyMap<string, string>): PersistedOperations {
  const idOf = (extensions: unknown) => persistedQueryOf(extensions)?.sha256Hash;
  const plugin = usePersistedOperations({
    // Text, not parsed documents: a listed operation is parsed like any other, so the operation limits apply.
    getPersistedOperation: (id) => documents.get(id) ?? null,
    extractPersistedOperationId: (params) => idOf(params.extensions) ?? null,
    customErrors: {
      persistedQueryOnly: documentSent,
      keyNotFound: idMissing,
      notFound: ({ params }) => notListed(idOf(params.extensions) ?? ''),
    },
  });
  return {
    plugin,
    browserPage: `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>wan-i2v-gateway</title></head>
<body><p>GraphiQL is off: this server runs only the ${documents.size} operations of its allow-list
(PERSISTED_OPERATIONS_ONLY=true). Explore the API on an instance without that setting.</p></body></html>
`,
    documentFor: ({ query, extensions }) => {
      if (query !== '') throw documentSent();
      const id = idOf(extensions);
      if (id === undefined) throw idMissing();
      const document = documents.get(id);
      if (document === undefined) throw notListed(id);
      return document;
    },
  };
}
