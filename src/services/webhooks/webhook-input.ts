import { z } from 'zod';
import { type JobStatus, jobStatuses } from '../../domain/job.js';
import type { InputIssue } from '../jobs/errors.js';
import { type GuardedFetch, GuardedFetchError } from '../outbound/guarded-fetch.js';

const webhookUrlMaxLength = 2048;

/** `CreateVideoInput.webhookUrl`: an http(s) URL without credentials; null for no webhooks. */
export const webhookUrlRule = z
  .string()
  .trim()
  .max(webhookUrlMaxLength, `webhookUrl is longer than ${webhookUrlMaxLength} characters`)
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: 'webhookUrl must be an http(s) URL',
  })
  .refine((value) => !URL.canParse(value) || new URL(value).username + new URL(value).password === '', {
    message: 'webhookUrl must not carry credentials (user:password@)',
  })
  .nullish()
  .transform((url) => url ?? null);

/** `CreateVideoInput.webhookEvents`: statuses to tell besides the terminal ones; PENDING is createVideo's own answer. */
export const webhookEventsRule = z
  .array(z.enum(jobStatuses))
  .refine((statuses) => !statuses.includes('PENDING'), {
    message: 'webhookEvents cannot ask for PENDING: createVideo itself answers with the PENDING job',
  })
  .nullish()
  .transform((statuses): JobStatus[] | null => statuses ?? null);

/** Whether the SSRF guard would let a delivery to the URL through; the issue to report when it would not. */
export type WebhookUrlCheck = (url: string | null) => Promise<InputIssue[]>;

export function createWebhookUrlCheck(fetch: GuardedFetch): WebhookUrlCheck {
  return async (url) => {
    if (url === null) return [];
    try {
      await fetch.check(url);
      return [];
    } catch (error) {
      if (!(error instanceof GuardedFetchError)) throw error;
      return [{ field: 'webhookUrl', message: `webhookUrl refused: ${error.message}` }];
    }
  };
}
