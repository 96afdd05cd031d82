import { GraphQLError } from 'graphql';
import { encodeJobId } from '../domain/job-id.js';
import { JobNotFoundError, ServiceBusyError, StorageUnavailableError } from '../services/jobs/errors.js';

/** The GraphQL error a client gets for an unknown job id (and, later, for one that is not theirs). */
export const jobNotFound = (globalId: string) =>
  new GraphQLError(`no video job with id "${globalId}"`, { extensions: { code: 'NOT_FOUND' } });

/**
 * The one map from service errors to what clients see, applied by the server's error masking to whatever
 * a resolver throws; undefined for an error it does not know, which is masked as unexpected.
 */
export function clientErrorFor(error: unknown): GraphQLError | undefined {
  if (error instanceof JobNotFoundError) return jobNotFound(encodeJobId(error.jobId));
  if (error instanceof StorageUnavailableError) {
    // Our fault, not the client's, so not a schema value; but clear, and safe to retry.
    return new GraphQLError(`${error.message}. Retry later.`, {
      extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true, reason: error.reason },
    });
  }
  if (error instanceof ServiceBusyError) {
    return new GraphQLError(error.message, { extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true } });
  }
  return undefined;
}
