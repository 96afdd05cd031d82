import SchemaBuilder, { PothosValidationError } from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ValidationPlugin from '@pothos/plugin-validation';
import { decodeGlobalId, encodeGlobalId } from '../domain/job-id.js';
import { InputRejectedError } from '../services/jobs/errors.js';
import type { JobService } from '../services/jobs/job-service.js';

/** What every resolver can reach: the services, never the database or Segmind directly. */
export interface GraphQLContext {
  jobs: JobService;
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: { DateTime: { Input: Date; Output: Date } };
  DefaultFieldNullability: false;
}>({
  // The errors plugin comes first so that it turns the validation plugin's errors into `ValidationError` values.
  plugins: [ErrorsPlugin, ValidationPlugin, RelayPlugin],
  defaultFieldNullability: false,
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
    // The domain's codec, so node ids, job ids and links elsewhere are one format.
    encodeGlobalID: encodeGlobalId,
    decodeGlobalID: (globalId) => {
      const decoded = decodeGlobalId(globalId);
      if (!decoded) throw new PothosValidationError(`Invalid global ID: ${globalId}`);
      return decoded;
    },
  },
});
