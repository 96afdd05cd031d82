import { readFileSync } from 'node:fs';
import { z } from 'zod';

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const amount = z.coerce.number().nonnegative().finite();
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
/** Unset or empty: no value. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/** The environment the gateway reads, parsed once. Defaults are the contract's (section 2). */
const environmentSchema = z.object({
  /** HTTP port; 0 picks any free port and the ready line says which. @default 4000 */
  PORT: integer(0, 65_535).default(4000),
  /** Interface to bind. @default '127.0.0.1' */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** SQLite file, created with its folder and migrated at start. @default './data/wan-i2v.sqlite' */
  DATABASE_PATH: z.string().min(1).default('./data/wan-i2v.sqlite'),
  /** Set: talk to Segmind. Unset or empty: run against the built-in simulator. */
  SEGMIND_API_KEY: z
    .string()
    .optional()
    .transform((key) => (key ? key : undefined)),
  /** Where Segmind is; tests point it at a local fake. @default 'https://api.segmind.com' */
  SEGMIND_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://api.segmind.com'),
  /** Upstream calls per minute, all calls together (Segmind Pro: 50, Free: 5). @default 50 */
  SEGMIND_RPM: integer(1, 100_000).default(50),
  /** The window SEGMIND_RPM counts over; only benchmarks that compress time change it. @default 60_000 */
  SEGMIND_RATE_WINDOW_MS: integer(1, 3_600_000).default(60_000),
  /** Time limit of one upstream call. @default 30_000 // 30 seconds */
  SEGMIND_TIMEOUT_MS: integer(100, 600_000).default(30_000),
  /** Never poll one job more often than this. @default 1_000 */
  POLL_MIN_INTERVAL_MS: integer(0, 3_600_000).default(1000),
  /** Never leave a job unpolled longer, budget allowing, where the model cannot say when it ends (README). @default 15_000 */
  POLL_MAX_INTERVAL_MS: integer(1, 3_600_000).default(15_000),
  /** How soon after Segmind finishes a job the gateway aims to notice: 90 % of it apart in the finish window. @default 3_000 */
  POLL_TARGET_DELAY_MS: integer(1, 3_600_000).default(3000),
  /** Simulator: how long a job stays QUEUED. @default 3_000 */
  SIMULATOR_QUEUE_MS: integer(0, 3_600_000).default(3000),
  /** Simulator: how long a job stays PROCESSING (a real job takes ~129 s). @default 17_000 */
  SIMULATOR_PROCESSING_MS: integer(0, 3_600_000).default(17_000),
  /** How long the built-in simulator keeps a request's record and its video link, as Segmind does. @default 3_600_000 // 1 hour */
  SIMULATOR_RECORD_TTL_MS: integer(1000, 86_400_000).default(3_600_000),
  /** GraphQL subscriptions one WebSocket connection may hold at once. @default 100 */
  MAX_SUBSCRIPTIONS_PER_CONNECTION: integer(1, 100_000).default(100),
  /**
   * `auto`: a token is required unless HOST is a loopback address; `true` / `false`: always / never.
   * Without a required token, a request acts as owner `local` with every scope. @default 'auto'
   */
  AUTH_REQUIRED: z.enum(['auto', 'true', 'false']).default('auto'),
  /** Non-terminal jobs one owner may have at once, unless set for the owner with the CLI. @default 10 */
  DEFAULT_MAX_ACTIVE_JOBS: integer(0, 1_000_000).default(10),
  /** Jobs one owner may create in any 60 s, unless set for the owner. @default 30 */
  DEFAULT_JOBS_PER_MINUTE: integer(0, 1_000_000).default(30),
  /** USD one owner may spend per UTC day (known costs plus estimates), unless set for the owner. @default unset: no cap */
  DEFAULT_DAILY_SPEND_USD: optional(amount),
  /** The cost assumed for a job whose kind (duration, resolution) was never priced yet. @default 1 */
  PRICE_ESTIMATE_USD: amount.default(1),
  /** Largest request body, HTTP and WebSocket message alike: a 15 MB audio and a 10 MB image as base64. @default 41_943_040 // 40 MB */
  MAX_REQUEST_BYTES: integer(1024, 1024 ** 3).default(40 * 1024 ** 2),
  /** Origins browsers may call from (comma list), for HTTP (CORS) and WebSocket `Origin`; `*`: any. @default '*' */
  CORS_ORIGINS: z
    .string()
    .default('*')
    .transform((list) =>
      list
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== ''),
    ),
  /**
   * Before a job with an http(s) image or audio URL is stored, read its first 64 KB and refuse what does not
   * answer 2xx or is not really an image / audio. @default true
   */
  URL_PRECHECK: flag.default(true),
  /**
   * Let server-side fetches reach loopback, private, link-local and other non-public addresses: for tests and
   * trusted networks only. @default false
   */
  ALLOW_PRIVATE_URLS: flag.default(false),
  /**
   * Multiplies the webhook retry waits (5 s, 1 min, 10 min, 1 h, 6 h); tests shrink them with e.g. 0.001.
   * @default 1
   */
  WEBHOOK_RETRY_SCALE: z.coerce.number().positive().max(1000).default(1),
  /** Webhook deliveries in flight at once, all receivers together. @default 8 */
  WEBHOOK_CONCURRENCY: integer(1, 1000).default(8),
  /** Time limit of one webhook attempt; a receiver slower than this counts as failed and is retried. @default 10_000 */
  WEBHOOK_TIMEOUT_MS: integer(100, 600_000).default(10_000),
  /** Schema introspection (GraphiQL needs it). @default true */
  INTROSPECTION: flag.default(true),
  /**
   * The allow-list mode: run only the operations of `PERSISTED_OPERATIONS_FILE`, named by id; refuse every
   * other document, and automatic persisted queries' registrations with it. @default false
   */
  PERSISTED_OPERATIONS_ONLY: flag.default(false),
  /**
   * The allow-list, read once at start: JSON, either `{ "<id>": "<document>", ... }` (relay-compiler's
   * `persistConfig`, graphql-codegen's persisted documents) or Apollo's persisted query manifest. Relative to
   * the current folder. Required with, and read only with, PERSISTED_OPERATIONS_ONLY=true. @default unset
   */
  PERSISTED_OPERATIONS_FILE: optional(z.string().min(1).transform(readPersistedOperations)),
  /**
   * What links to the gateway start with, e.g. `https://videos.example.com`: the signed `/media/...` links of
   * VideoJob.videoUrl. @default unset: the address the server listens on
   */
  PUBLIC_BASE_URL: optional(z.url({ protocol: /^https?$/ })),
  /** Where finished videos are kept (and, later, uploads), one file per SHA-256. @default './data/media' */
  MEDIA_DIR: z.string().min(1).default('./data/media'),
  /** Kept videos older than this many days are deleted (the job's `video.deletedAt` says so). @default unset: kept forever */
  MEDIA_RETENTION_DAYS: optional(z.coerce.number().positive().finite()),
  /** How long a signed `/media/...` link works after it was handed out. @default 86_400 // one day */
  MEDIA_LINK_TTL_SECONDS: integer(1, 365 * 86_400).default(86_400),
  /** pino level. @default 'info' */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Apollo's format (`@apollo/generate-persisted-query-manifest`, Apollo iOS and Kotlin); the ids are SHA-256s. */
const apolloManifestSchema = z.object({
  format: z.literal('apollo-persisted-query-manifest'),
  version: z.literal(1),
  operations: z.array(z.object({ id: z.string().min(1), body: z.string().min(1) })).min(1),
});
/** Operation id -> document, as relay-compiler and graphql-codegen write it; ids are whatever their hash was. */
const documentMapSchema = z
  .record(z.string().min(1), z.string().min(1))
  .refine((map) => Object.keys(map).length > 0, 'lists no operation');

/** The allow-list file at `path`: which file it was, and its operations by id. */
function readPersistedOperations(path: string, context: z.core.$RefinementCtx<string>) {
  const fail = (message: string) => {
    context.issues.push({ code: 'custom', message: `${path}: ${message}`, input: path });
    return z.NEVER;
  };
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  const isApollo = typeof manifest === 'object' && manifest !== null && 'format' in manifest;
  const expected = isApollo ? 'an Apollo persisted query manifest' : 'a JSON object of operation id -> document';
  const invalid = (error: z.ZodError) =>
    fail(
      `not ${expected}: ${error.issues.map((issue) => `${issue.path.join('.') || 'file'}: ${issue.message}`).join('; ')}`,
    );
  let entries: [string, string][];
  if (isApollo) {
    const parsed = apolloManifestSchema.safeParse(manifest);
    if (!parsed.success) return invalid(parsed.error);
    entries = parsed.data.operations.map(({ id, body }) => [id, body]);
  } else {
    const parsed = documentMapSchema.safeParse(manifest);
    if (!parsed.success) return invalid(parsed.error);
    entries = Object.entries(parsed.data);
  }
  return { path, documents: new Map(entries) as ReadonlyMap<string, string> };
}

/** A host name or address that only this machine reaches. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare.endsWith('.localhost') || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The environment as the app uses it: what each part needs, grouped, derived from the schema above. */
const configSchema = environmentSchema
  .refine((env) => env.POLL_MIN_INTERVAL_MS <= env.POLL_MAX_INTERVAL_MS, {
    message: 'POLL_MIN_INTERVAL_MS is above POLL_MAX_INTERVAL_MS',
    path: ['POLL_MIN_INTERVAL_MS'],
  })
  .refine((env) => !env.PERSISTED_OPERATIONS_ONLY || env.PERSISTED_OPERATIONS_FILE, {
    message: 'PERSISTED_OPERATIONS_ONLY=true needs PERSISTED_OPERATIONS_FILE, the allow-list',
    path: ['PERSISTED_OPERATIONS_FILE'],
  })
  .refine((env) => env.PERSISTED_OPERATIONS_ONLY || !env.PERSISTED_OPERATIONS_FILE, {
    message: 'is read only with PERSISTED_OPERATIONS_ONLY=true; set that too, or unset this',
    path: ['PERSISTED_OPERATIONS_FILE'],
  })
  .transform((env) => ({
    port: env.PORT,
    host: env.HOST,
    databasePath: env.DATABASE_PATH,
    segmind: {
      apiKey: env.SEGMIND_API_KEY,
      baseUrl: env.SEGMIND_BASE_URL.replace(/\/+$/, ''),
      timeoutMs: env.SEGMIND_TIMEOUT_MS,
      simulator: {
        queueMs: env.SIMULATOR_QUEUE_MS,
        processingMs: env.SIMULATOR_PROCESSING_MS,
        recordTtlMs: env.SIMULATOR_RECORD_TTL_MS,
      },
    },
    polling: {
      callsPerMinute: env.SEGMIND_RPM,
      rateWindowMs: env.SEGMIND_RATE_WINDOW_MS,
      pollMinIntervalMs: env.POLL_MIN_INTERVAL_MS,
      pollMaxIntervalMs: env.POLL_MAX_INTERVAL_MS,
      pollTargetDelayMs: env.POLL_TARGET_DELAY_MS,
    },
    webSocket: { maxSubscriptionsPerConnection: env.MAX_SUBSCRIPTIONS_PER_CONNECTION },
    access: {
      authRequired: env.AUTH_REQUIRED === 'auto' ? !isLoopbackHost(env.HOST) : env.AUTH_REQUIRED === 'true',
      defaults: {
        maxActiveJobs: env.DEFAULT_MAX_ACTIVE_JOBS,
        jobsPerMinute: env.DEFAULT_JOBS_PER_MINUTE,
        dailySpendUsd: env.DEFAULT_DAILY_SPEND_USD ?? null,
      },
      priceEstimateUsd: env.PRICE_ESTIMATE_USD,
    },
    limits: {
      maxRequestBytes: env.MAX_REQUEST_BYTES,
      corsOrigins: env.CORS_ORIGINS,
      introspection: env.INTROSPECTION,
    },
    /** The allow-list mode, when on; otherwise automatic persisted queries. */
    persistedOperations: env.PERSISTED_OPERATIONS_ONLY ? env.PERSISTED_OPERATIONS_FILE : undefined,
    urlPrecheck: env.URL_PRECHECK,
    outbound: { allowPrivateAddresses: env.ALLOW_PRIVATE_URLS },
    webhooks: {
      retryScale: env.WEBHOOK_RETRY_SCALE,
      maxConcurrent: env.WEBHOOK_CONCURRENCY,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    },
    media: {
      publicBaseUrl: env.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
      directory: env.MEDIA_DIR,
      retentionMs: env.MEDIA_RETENTION_DAYS === undefined ? undefined : env.MEDIA_RETENTION_DAYS * 86_400_000,
      linkTtlMs: env.MEDIA_LINK_TTL_SECONDS * 1000,
    },
    logLevel: env.LOG_LEVEL,
  }));

export type Config = z.output<typeof configSchema>;

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(environment);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}
