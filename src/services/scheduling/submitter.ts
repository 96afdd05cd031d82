import type { Database } from '../../db/connection.js';
import { findPayload } from '../../db/job-queries.js';
import type { JobRow } from '../../db/tables.js';
import { failure } from '../../domain/job.js';
import type { JobStateMachine } from '../jobs/job-state-machine.js';
import type { MediaStore } from '../media/media-store.js';
import { inlineUpload } from '../media/uploads.js';
import type { SegmindClient, SegmindInput } from '../upstream/segmind-client.js';
import { UpstreamError } from '../upstream/upstream-error.js';
import { submitFailure, unknownOutcomeMessage } from '../upstream/upstream-outcomes.js';

export type SubmitResult =
  /** Segmind took the job; it is QUEUED with its request id, as `job` shows. */
  | { kind: 'submitted'; requestId: string; job: JobRow }
  /** Segmind certainly made no request (429, 500, 502, 503, refused connection): the job may be sent again. */
  | { kind: 'not-made'; error: UpstreamError }
  /** The job ended (rejected, or its outcome unknown), or was no longer there to send (e.g. CANCELLED). */
  | { kind: 'settled' }
  /** Nothing was sent: an uploaded file could not be read, or the database could not record the start. */
  | { kind: 'not-started'; error: unknown }
  /** Segmind took the job but its request id could not be stored: never resend it (that bills twice). */
  | { kind: 'unrecorded'; requestId: string; error: unknown };

/**
 * Sends PENDING jobs to Segmind under the recovery-point protocol: the moment the POST starts is committed
 * before it goes out, and the request id is committed as soon as it returns. A job found after a crash
 * with the first and not the second may already be billed, so it is never sent blindly again.
 */
export class Submitter {
  constructor(
    private readonly database: Database,
    private readonly client: SegmindClient,
    private readonly machine: JobStateMachine,
    private readonly store: MediaStore,
  ) {}

  /** True when the job's submit started and no answer was recorded: a crash fell in between. */
  static outcomeLost(job: Pick<JobRow, 'status' | 'submitStartedAt'>): boolean {
    return job.status === 'PENDING' && job.submitStartedAt !== null;
  }

  /** Ends a job whose submit outcome was lost; called at start for jobs `outcomeLost` names. */
  settleLostOutcome(jobId: number): void {
    const reason = 'the gateway stopped while the submit was in flight';
    this.machine.transition(jobId, failure('UPSTREAM_UNAVAILABLE', `${unknownOutcomeMessage} (${reason})`));
  }

  /** `send` wraps the network call, so the caller can put its own policy (a circuit breaker) around it. */
  async submit(jobId: number, send: <T>(call: () => Promise<T>) => Promise<T>): Promise<SubmitResult> {
    const payload = findPayload(this.database.db, jobId);
    if (!payload) return { kind: 'settled' };
    let media: [SegmindInput['image'], SegmindInput['image'] | null];
    try {
      // Uploads are read from the media store now, before the claim, and sent as base64 like data: URIs.
      media = await Promise.all([
        inlineUpload(payload.image, this.store),
        payload.audio === null ? null : inlineUpload(payload.audio, this.store),
      ]);
    } catch (error) {
      return { kind: 'not-started', error };
    }
    let job: JobRow | undefined;
    try {
      // From here the job is no longer cancellable: a cancel either came first (no claim) or is refused.
      job = this.machine.claimSubmit(jobId);
    } catch (error) {
      return { kind: 'not-started', error };
    }
    if (!job) return { kind: 'settled' };
    let requestId: string;
    try {
      ({ requestId } = await send(() => this.client.submit(toSegmindInput(job, ...media))));
    } catch (thrown) {
      if (!(thrown instanceof UpstreamError)) {
        // A bug of ours, maybe after the POST went out: end the job as "outcome unknown", never resend it.
        this.machine.transition(jobId, failure('UPSTREAM_UNAVAILABLE', `${unknownOutcomeMessage} (internal error)`));
        throw thrown;
      }
      if (thrown.submitMayBeRetried) {
        // No request was made: the job is as if never sent.
        this.machine.clearSubmitStart(jobId);
        return { kind: 'not-made', error: thrown };
      }
      this.machine.transition(jobId, submitFailure(thrown));
      return { kind: 'settled' };
    }
    let queued: JobRow | undefined;
    try {
      queued = this.machine.transition(jobId, {
        status: 'QUEUED',
        upstreamRequestId: requestId,
        message: 'submitted to Segmind',
      });
    } catch (error) {
      return { kind: 'unrecorded', requestId, error };
    }
    return queued ? { kind: 'submitted', requestId, job: queued } : { kind: 'settled' };
  }
}

function toSegmindInput(job: JobRow, image: SegmindInput['image'], audio: SegmindInput['image'] | null): SegmindInput {
  return {
    image,
    prompt: job.prompt,
    ...(audio === null ? {} : { audio }),
    duration: job.duration,
    resolution: job.resolution,
    multi_shots: job.multiShots,
    negative_prompt: job.negativePrompt,
    enable_prompt_expansion: job.enablePromptExpansion,
    ...(job.seed === null ? {} : { seed: job.seed }),
  };
}
