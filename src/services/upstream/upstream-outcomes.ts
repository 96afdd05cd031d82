import { failure, type JobChange } from '../../domain/job.js';
import type { UpstreamJobState } from './segmind-client.js';
import type { UpstreamError } from './upstream-error.js';

/** What Segmind's answers mean for a job: pure decisions, kept apart from the calls that fetch them. */

export const unknownOutcomeMessage =
  'Outcome unknown: the submit may have reached Segmind but its answer was lost, so it was not sent again (that could bill twice).';

/** Failures of the account, not the job: every call shares them. */
function accountFailure(error: UpstreamError): JobChange | undefined {
  if (error.code === 'UNAUTHORIZED') {
    return failure('UPSTREAM_UNAUTHORIZED', `Segmind refused the API key: ${error.message}`);
  }
  if (error.code === 'INSUFFICIENT_CREDITS') {
    return failure('INSUFFICIENT_CREDITS', `Segmind account is out of credits: ${error.message}`);
  }
  return undefined;
}

/** How a job ends when its submit failed and may not be tried again. */
export function submitFailure(error: UpstreamError): JobChange {
  const account = accountFailure(error);
  if (account) return account;
  if (error.code === 'OUTCOME_UNKNOWN' || error.isTransient) {
    return failure('UPSTREAM_UNAVAILABLE', `${unknownOutcomeMessage} (${error.message})`);
  }
  return failure('UPSTREAM_REJECTED', `Segmind rejected the job: ${error.message}`);
}

/** How a submitted job ends when a status or result read failed for good (not a passing fault). */
export function readFailure(error: UpstreamError): JobChange {
  const account = accountFailure(error);
  if (account) return account;
  if (error.code === 'NOT_FOUND') {
    return failure(
      'UPSTREAM_EXPIRED',
      `Segmind no longer knows this request (records expire 1 h after submission): ${error.message}`,
    );
  }
  return failure('UPSTREAM_REJECTED', `Segmind refused to report on the job: ${error.message}`);
}

/** The change a status or result answer calls for; `read-result` when COMPLETED came without the output. */
export function changeFor(state: UpstreamJobState): JobChange | 'read-result' | undefined {
  switch (state.status) {
    case 'QUEUED':
      return undefined;
    case 'PROCESSING':
      return { status: 'PROCESSING', message: 'Segmind is generating the video' };
    case 'FAILED':
      return failure('GENERATION_FAILED', state.error);
    case 'COMPLETED':
      if (state.videoUrl === undefined) return 'read-result';
      return {
        status: 'COMPLETED',
        videoUrl: state.videoUrl,
        cost: state.cost,
        upstreamDurationMs: state.upstreamMs,
        message: 'video ready',
      };
  }
}
