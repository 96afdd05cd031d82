import type { Database } from '../../db/connection.js';
import type { WebhookAttemptRow } from '../../db/tables.js';
import { listWebhookAttempts } from '../../db/webhook-queries.js';
import type { RotatedSecret, WebhookSecrets } from './webhook-secrets.js';

/** One attempt at one of a job's webhooks, as clients see it. */
export type WebhookAttempt = WebhookAttemptRow & { type: string };

/** What clients do with webhooks: read and rotate their owner's secret, see a job's delivery attempts. */
export class WebhookService {
  constructor(
    private readonly database: Database,
    private readonly secrets: WebhookSecrets,
  ) {}

  /** The owner's signing secret, made on first read. */
  secret(owner: string): string {
    return this.secrets.current(owner);
  }

  rotateSecret(owner: string): RotatedSecret {
    return this.secrets.rotate(owner);
  }

  /** Every attempt at the job's webhooks, oldest first; the caller has checked that the job may be seen. */
  attempts(jobId: number): WebhookAttempt[] {
    return listWebhookAttempts(this.database.db, jobId);
  }
}
