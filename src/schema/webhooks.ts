import { jobStatuses } from '../domain/job.js';
import { notifies } from '../services/webhooks/webhook-outbox.js';
import type { WebhookAttempt } from '../services/webhooks/webhook-service.js';
import { builder } from './builder.js';
import { VideoJob, VideoJobStatus } from './video-job.js';
import { ViewerType } from './viewer.js';

const WebhookDelivery = builder.objectRef<WebhookAttempt>('WebhookDelivery').implement({
  description:
    "One attempt to deliver one of a job's webhooks. A delivery is retried after 5 s, 1 min, 10 min, 1 h and 6 h until the receiver answers 2xx; 410 Gone stops it.",
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime', description: 'When the attempt was made (and signed).' }),
    attempt: t.exposeInt('attempt', { description: 'Which attempt at this event it was: 1 for the first.' }),
    statusCode: t.exposeInt('statusCode', {
      nullable: true,
      description: "The receiver's HTTP status; null when none came (see error).",
    }),
    ok: t.exposeBoolean('ok', { description: 'The receiver answered 2xx: this event is delivered.' }),
    type: t.exposeString('type', { description: 'The event, e.g. `video_job.completed`.' }),
    error: t.exposeString('error', {
      nullable: true,
      description: 'Why no status came: no answer in time, a refused address, a network error.',
    }),
  }),
});

builder.objectFields(VideoJob, (t) => ({
  webhookUrl: t.exposeString('webhookUrl', {
    nullable: true,
    description: 'Where the job is POSTed at each status that gets a webhook; null when none was given.',
  }),
  webhookEvents: t.field({
    type: [VideoJobStatus],
    description: 'Every status that gets a webhook: the terminal ones, and those asked for. Empty without webhookUrl.',
    resolve: (job) => jobStatuses.filter((status) => notifies(job, status)),
  }),
  webhookDeliveries: t.field({
    type: [WebhookDelivery],
    description: 'Every attempt at delivering its webhooks, oldest first; empty until the first attempt.',
    resolve: (job, _args, context) => context.webhooks.attempts(job.id),
  }),
}));

builder.objectField(ViewerType, 'webhookSecret', (t) =>
  t.string({
    description:
      "The secret (`whsec_...`) that signs the webhooks of this owner's jobs, per Standard Webhooks; verify with any Standard Webhooks library. Made on first read; needs the `jobs:write` scope, since it lets its holder forge webhooks.",
    authScopes: { jobsWrite: true },
    resolve: (viewer, _args, context) => context.webhooks.secret(viewer.owner),
  }),
);

const RotateWebhookSecretPayload = builder
  .objectRef<{ secret: string; previousExpiresAt: Date | null }>('RotateWebhookSecretPayload')
  .implement({
    description: "The owner's new webhook secret.",
    fields: (t) => ({
      webhookSecret: t.exposeString('secret', { description: 'The new secret; Viewer.webhookSecret from now on.' }),
      previousSecretValidUntil: t.expose('previousExpiresAt', {
        type: 'DateTime',
        nullable: true,
        description:
          'Until then every delivery carries a signature by the old secret too, so a receiver verifies with either while it switches; null when there was no old secret.',
      }),
    }),
  });

builder.mutationFields((t) => ({
  rotateWebhookSecret: t.field({
    type: RotateWebhookSecretPayload,
    description:
      "Replaces the owner's webhook secret. For 24 hours after, deliveries are signed with both the new and the old secret (two `v1,` signatures in `webhook-signature`), so receivers can switch without losing an event; after that, only the new one signs.",
    authScopes: { jobsWrite: true },
    resolve: (_root, _args, context) => context.webhooks.rotateSecret(context.viewer.owner),
  }),
}));
