import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { jobErrorCodes, jobStatuses, resolutions } from '../domain/job.js';

const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });

export const jobs = sqliteTable(
  'jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Whose job it is: who may see it, and whose quotas it counts against. Rows from before owners: `local`. */
    owner: text('owner').notNull().default('local'),
    status: text('status', { enum: jobStatuses }).notNull(),
    /** +1 on every change; what a subscriber sees only grows. */
    version: integer('version').notNull(),
    prompt: text('prompt').notNull(),
    /** The image URL as given, or a short description of a data: URI (the bytes are in job_payloads). */
    image: text('image').notNull(),
    audio: text('audio'),
    duration: integer('duration').notNull(),
    resolution: text('resolution', { enum: resolutions }).notNull(),
    multiShots: integer('multi_shots', { mode: 'boolean' }).notNull(),
    negativePrompt: text('negative_prompt').notNull(),
    enablePromptExpansion: integer('enable_prompt_expansion', {
      mode: 'boolean',
    }).notNull(),
    seed: integer('seed'),
    /** Unique per owner: two owners may use the same key. */
    idempotencyKey: text('idempotency_key'),
    /** Hash of the validated input, to tell a replay from a conflicting reuse of a key. */
    inputFingerprint: text('input_fingerprint').notNull(),
    /** Set just before the POST goes out: a job with this and no request id may have been billed. */
    submitStartedAt: timestamp('submit_started_at'),
    upstreamRequestId: text('upstream_request_id'),
    videoUrl: text('video_url'),
    errorCode: text('error_code', { enum: jobErrorCodes }),
    errorMessage: text('error_message'),
    cost: real('cost'),
    /** What the duration model expected, at creation, from submit to Segmind's finish: the job's ETA and progress. */
    expectedDurationMs: integer('expected_duration_ms'),
    /** How long Segmind took (queue + inference, from its metrics), once COMPLETED: what the model learns from. */
    upstreamDurationMs: integer('upstream_duration_ms'),
    createdAt: timestamp('created_at').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
    submittedAt: timestamp('submitted_at'),
    startedAt: timestamp('started_at'),
    finishedAt: timestamp('finished_at'),
    /** Where the job's webhooks go; null: none. Checked by the SSRF guard at create time and at each delivery. */
    webhookUrl: text('webhook_url'),
    /** Comma list of the non-terminal statuses that also get a webhook (terminal ones always do); null: none. */
    webhookEvents: text('webhook_events'),
  },
  (table) => [
    index('jobs_status_idx').on(table.status, table.id),
    index('jobs_owner_idx').on(table.owner, table.id),
    index('jobs_owner_status_idx').on(table.owner, table.status),
    index('jobs_owner_created_idx').on(table.owner, table.createdAt),
    uniqueIndex('jobs_owner_idempotency_key_idx').on(table.owner, table.idempotencyKey),
    index('jobs_learning_idx')
      .on(table.duration, table.resolution, table.id)
      .where(sql`${table.upstreamDurationMs} is not null`),
  ],
);

/** What is sent upstream for the media fields, kept apart so that listing jobs never reads megabytes of data: URIs. */
export const jobPayloads = sqliteTable('job_payloads', {
  jobId: integer('job_id')
    .primaryKey()
    .references(() => jobs.id),
  image: text('image').notNull(),
  audio: text('audio'),
});

export const jobEvents = sqliteTable(
  'job_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    jobId: integer('job_id')
      .notNull()
      .references(() => jobs.id),
    /** The job's version this change produced. */
    version: integer('version').notNull(),
    status: text('status', { enum: jobStatuses }).notNull(),
    at: timestamp('at').notNull(),
    message: text('message'),
  },
  (table) => [index('job_events_job_idx').on(table.jobId, table.version)],
);

/** Access tokens: only the SHA-256 of the secret is kept; the secret is shown once, when made. */
export const apiTokens = sqliteTable('api_tokens', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** Lower-case hex SHA-256 of the whole token. */
  secretHash: text('secret_hash').notNull().unique(),
  /** Tokens of one owner share its jobs and quotas (how a key is rotated). */
  owner: text('owner').notNull(),
  /** A comma list of scopes. */
  scopes: text('scopes').notNull(),
  name: text('name'),
  createdAt: timestamp('created_at').notNull(),
  /** Written at most once a minute per token. */
  lastUsedAt: timestamp('last_used_at'),
  revokedAt: timestamp('revoked_at'),
});

/** Quotas set for one owner with the CLI; a null column keeps the server's default. */
export const ownerLimits = sqliteTable('owner_limits', {
  owner: text('owner').primaryKey(),
  maxActiveJobs: integer('max_active_jobs'),
  jobsPerMinute: integer('jobs_per_minute'),
  dailySpendUsd: real('daily_spend_usd'),
});

/** One secret per owner that signs its webhooks (Standard Webhooks, `whsec_` + base64). */
export const webhookSecrets = sqliteTable('webhook_secrets', {
  owner: text('owner').primaryKey(),
  secret: text('secret').notNull(),
  createdAt: timestamp('created_at').notNull(),
  /** The secret before the last rotation: deliveries carry its signature too until `previousExpiresAt`. */
  previousSecret: text('previous_secret'),
  previousExpiresAt: timestamp('previous_expires_at'),
});

/**
 * The webhook outbox: one row per event to deliver, written in the transaction of the status change it tells
 * of, so a committed change is never left untold (at least once), whatever happens to the process after.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    jobId: integer('job_id')
      .notNull()
      .references(() => jobs.id),
    /** The `webhook-id` header: the same for every attempt, so a receiver can drop a repeat. */
    messageId: text('message_id').notNull().unique(),
    /** E.g. `video_job.completed`. */
    type: text('type').notNull(),
    url: text('url').notNull(),
    /** The JSON body, fixed at the status change: every attempt sends the same bytes. */
    payload: text('payload').notNull(),
    /** `pending` until a 2xx (`delivered`) or until retries ran out or the receiver answered 410 (`abandoned`). */
    state: text('state', { enum: ['pending', 'delivered', 'abandoned'] }).notNull(),
    attempts: integer('attempts').notNull(),
    nextAttemptAt: timestamp('next_attempt_at').notNull(),
    createdAt: timestamp('created_at').notNull(),
  },
  (table) => [index('webhook_deliveries_due_idx').on(table.state, table.nextAttemptAt)],
);

/** Every attempt at a delivery, as `VideoJob.webhookDeliveries` lists them. */
export const webhookAttempts = sqliteTable(
  'webhook_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    deliveryId: integer('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id),
    jobId: integer('job_id')
      .notNull()
      .references(() => jobs.id),
    /** 1 for the first attempt at this delivery. */
    attempt: integer('attempt').notNull(),
    at: timestamp('at').notNull(),
    /** The receiver's HTTP status; null when none came (refused address, network error, timeout). */
    statusCode: integer('status_code'),
    ok: integer('ok', { mode: 'boolean' }).notNull(),
    /** Why it failed without a status, in words. */
    error: text('error'),
  },
  (table) => [index('webhook_attempts_job_idx').on(table.jobId, table.id)],
);

/**
 * The gateway's copy of a COMPLETED job's video (contract section 6): made when the job completes, filled
 * in when the download is done; a row without `mirroredAt` and `gaveUpAt` is a download still owed.
 */
export const videoFiles = sqliteTable(
  'video_files',
  {
    jobId: integer('job_id')
      .primaryKey()
      .references(() => jobs.id),
    /** Lower-case hex SHA-256 of the file: its name in the media store, and its ETag. */
    sha256: text('sha256'),
    sizeBytes: integer('size_bytes'),
    /** When the copy was complete; until then `/media/...` redirects to Segmind's URL. */
    mirroredAt: timestamp('mirrored_at'),
    /** Downloads tried so far, across restarts. */
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** Set when the retries ran out: the link keeps redirecting to Segmind's URL. */
    gaveUpAt: timestamp('gave_up_at'),
    /** Set when MEDIA_RETENTION_DAYS removed the copy. */
    deletedAt: timestamp('deleted_at'),
  },
  (table) => [index('video_files_mirrored_idx').on(table.mirroredAt)],
);

/** Secrets the gateway makes for itself once and keeps, e.g. the key that signs media links. */
export const gatewaySecrets = sqliteTable('gateway_secrets', {
  name: text('name').primaryKey(),
  /** base64 */
  value: text('value').notNull(),
  createdAt: timestamp('created_at').notNull(),
});

export type JobRow = typeof jobs.$inferSelect;
export type NewJobRow = typeof jobs.$inferInsert;
export type JobPayloadRow = typeof jobPayloads.$inferSelect;
export type JobEventRow = typeof jobEvents.$inferSelect;
export type ApiTokenRow = typeof apiTokens.$inferSelect;
export type OwnerLimitsRow = typeof ownerLimits.$inferSelect;
export type WebhookSecretRow = typeof webhookSecrets.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type WebhookAttemptRow = typeof webhookAttempts.$inferSelect;
export type VideoFileRow = typeof videoFiles.$inferSelect;
