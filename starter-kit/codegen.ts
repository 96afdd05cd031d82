import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * graphql-codegen for an app of this API: typed documents for its operations and the possibleTypes that
 * Apollo's cache needs to match fragments on interfaces and unions. Paths are relative to the folder the
 * command runs in (this repository's root: `npm run starter-kit:generate`); an app points `schema` at its
 * copy of schema.graphql, or at the server's URL, and `documents` at its own operations.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: 'starter-kit/operations/*.graphql',
  // Relative imports end in .js, as ES modules in Node and TypeScript's NodeNext resolution require.
  emitLegacyCommonJSImports: false,
  generates: {
    'starter-kit/generated/possible-types.json': {
      plugins: ['fragment-matcher'],
    },
    'starter-kit/generated/graphql/': {
      preset: 'client',
      // Apollo and urql hand over fragments' fields as they are; masking is a choice an app makes for itself.
      presetConfig: { fragmentMasking: false },
      config: {
        // A File variable is sent by an upload link (see the README's uploads), as a File or Blob.
        scalars: { DateTime: 'string', File: 'File' },
        strictScalars: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
