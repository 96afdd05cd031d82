import SchemaBuilder, { PothosValidationError } from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { GraphQLError } from 'graphql';
import { hasScope, type Viewer } from '../domain/access.js';
import { decodeGlobalId, encodeGlobalId } from '../domain/job-id.js';
import type { QuotaService } from '../services/access/quotas.js';
import type { TokenService } from '../services/access/token-service.js';
import { InputRejectedError } from '../services/jobs/errors.js';
import type { JobService } from '../services/jobs/job-service.js';
import type { MediaService } from '../services/media/media-service.js';
import type { Upload } from '../services/media/uploads.js';
import type { WebhookService } from '../services/webhooks/webhook-service.js';

/** What every resolver can reach: who asks, and the services; never the database or Segmind directly. */
export interface GraphQLContext {
  viewer: Viewer;
  jobs: JobService;
  tokens: TokenService;
  quotas: QuotaService;
  webhooks: WebhookService;
  /** Kept videos: signed links and the copies' facts. */
  media: MediaService;
  /**
   * Set by a transport that tracks a stream's position: SSE (`Last-Event-ID`), and graphql-ws's shared
   * executions (the version of each result, for each subscriber's last version); absent elsewhere.
   */
  stream?: StreamResumption;
}

/** A subscription stream that a transport resumes by job version (see http/event-stream-resume.ts). */
export interface StreamResumption {
  /** The version the client says it already has, if it said one. */
  readonly afterVersion: number | undefined;
  /** Called with the version of each job event as it is resolved, just before the transport sends it. */
  resolved(version: number): void;
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: { DateTime: { Input: Date; Output: Date }; File: { Input: Upload; Output: never } };
  DefaultFieldNullability: false;
  AuthScopes: { jobsRead: boolean; jobsWrite: boolean; admin: boolean };
}>({
  // Scope checks come first, so a caller without the scope learns nothing more (not even a validation error).
  // The errors plugin comes before validation so that it turns the validation plugin's errors into values.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, ValidationPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: ({ viewer }) => ({
      jobsRead: hasScope(viewer, 'jobs:read'),
      jobsWrite: hasScope(viewer, 'jobs:write'),
      admin: hasScope(viewer, 'admin'),
    }),
    authorizeOnSubscribe: true,
    unauthorizedError: (_parent, _context, info) =>
      new GraphQLError(`${info.parentType.name}.${info.fieldName} needs a scope this token does not have`, {
        extensions: { code: 'FORBIDDEN' },
      }),
  },
  errors: { unsafelyHandleInputErrors: true },
  validation: {
    // Input rules fail as the same error the services raise, so clients see one `ValidationError` type.
    validationError: (failure) =>
      new InputRejectedError(
        failure.issues.map((issue) => {
          const path = (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment));
          // The path starts with the argument's name ("input"); the field is what follows it.
          return {
            field: path.slice(1).join('.') || path.join('.'),
            message: issue.message,
          };
        }),
      ),
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesQueryOptions: false,
    nodeQueryOptions: {
      authScopes: { jobsRead: true },
      description: "Any object by its global id; null for an unknown id or another owner's job.",
      args: { id: { description: 'A global id, e.g. VideoJob.id.' } },
    },
    nodeTypeOptions: { description: 'An object with a global id, fetchable with Query.node.' },
    idFieldOptions: { description: 'Opaque global id.' },
    pageInfoTypeOptions: { description: 'Where a page sits in the whole list (Relay cursor connections).' },
    pageInfoFieldOptions: { description: 'Whether there is more before or after this page, and its end cursors.' },
    hasNextPageFieldOptions: {
      description: 'Paging forward (`first`): more items follow this page. Paging back (`last`): `before` was given.',
    },
    hasPreviousPageFieldOptions: {
      description: 'Paging back (`last`): more items precede this page. Paging forward (`first`): `after` was given.',
    },
    startCursorFieldOptions: { description: "The first edge's cursor; null for an empty page." },
    endCursorFieldOptions: { description: "The last edge's cursor; null for an empty page." },
    cursorFieldOptions: { description: 'Opaque; pass it as `after` or `before` to page from here.' },
    firstArgOptions: {
      description: 'Page forward: the first this many items, 0 to 100 (20 if neither first nor last); not with last.',
    },
    afterArgOptions: { description: 'Only items after this cursor (with newest-first order: older ones).' },
    lastArgOptions: { description: 'Page back: the last this many items, 0 to 100; not with first.' },
    beforeArgOptions: { description: 'Only items before this cursor (with newest-first order: newer ones).' },
    // The domain's codec, so node ids, job ids and links elsewhere are one format.
    encodeGlobalID: encodeGlobalId,
    decodeGlobalID: (globalId) => {
      const decoded = decodeGlobalId(globalId);
      if (!decoded) throw new PothosValidationError(`Invalid global ID: ${globalId}`);
      return decoded;
    },
  },
});
