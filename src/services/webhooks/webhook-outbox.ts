import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/connection.js';
import type { JobRow } from '../../db/tables.js';
import { insertWebhookDelivery } from '../../db/webhook-queries.js';
import { isTerminal, type JobStatus } from '../../domain/job.js';
import { encodeJobId } from '../../domain/job-id.js';

/** The body of every webhook (contract section 6). */
export interface WebhookPayload {
  /** `video_job.<status in lower case>`. */
  type: string;
  /** When the status change was recorded, ISO 8601. */
  timestamp: string;
  data: {
    id: string;
    status: JobStatus;
    version: number;
    videoUrl: string | null;
    error: { code: string; message: string } | null;
    cost: number | null;
    createdAt: string;
    finishedAt: string | null;
  };
}

/** How `webhookEvents` is kept in a job row: a comma list, null for none. */
export const storedWebhookEvents = (statuses: readonly JobStatus[] | null): string | null =>
  statuses && statuses.length > 0 ? [...new Set(statuses)].join(',') : null;

/** Whether a job that reached `status` gets a webhook: every terminal status does, others when asked for. */
export function notifies(job: Pick<JobRow, 'webhookUrl' | 'webhookEvents'>, status: JobStatus): boolean {
  if (job.webhookUrl === null) return false;
  return isTerminal(status) || (job.webhookEvents?.split(',') ?? []).includes(status);
}

/** The payload of `job`'s webhook; `videoUrl` is the link clients are given (the gateway's own). */
function webhookPayload(job: JobRow, at: Date, videoUrl: string | null): WebhookPayload {
  return {
    type: `video_job.${job.status.toLowerCase()}`,
    timestamp: at.toISOString(),
    data: {
      id: encodeJobId(job.id),
      status: job.status,
      version: job.version,
      videoUrl,
      error: job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? '' } : null,
      cost: job.cost,
      createdAt: job.createdAt.toISOString(),
      finishedAt: job.finishedAt?.toISOString() ?? null,
    },
  };
}

/**
 * Writes the webhook a change calls for, if any, into the outbox, inside the transaction of the change (the
 * job as changed, `at` its time): committed together, so no change is ever left untold.
 */
export function recordWebhook(tx: Queryable, job: JobRow, at: Date, videoUrl: string | null): void {
  if (!notifies(job, job.status) || job.webhookUrl === null) return;
  const payload = webhookPayload(job, at, videoUrl);
  insertWebhookDelivery(tx, {
    jobId: job.id,
    messageId: `msg_${randomUUID()}`,
    type: payload.type,
    url: job.webhookUrl,
    payload: JSON.stringify(payload),
    state: 'pending',
    attempts: 0,
    nextAttemptAt: at,
    createdAt: at,
  });
}
