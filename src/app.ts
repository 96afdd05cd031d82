import type { Logger } from 'pino';
import type { Config } from './config.js';
import { isLoopbackHost } from './config.js';
import { openDatabase } from './db/connection.js';
import type { PersistedQueryStoreOptions } from './http/persisted-queries.js';
import { serveApi } from './http/serve-api.js';
import type { GraphQLPlugin } from './http/yoga.js';
import { graphqlPath } from './http/yoga.js';
import { QuotaService } from './services/access/quotas.js';
import { TokenService } from './services/access/token-service.js';
import { type Clock, systemClock } from './services/clock.js';
import { JobPubSub } from './services/jobs/job-pubsub.js';
import { JobService } from './services/jobs/job-service.js';
import { JobStateMachine } from './services/jobs/job-state-machine.js';
import { createUrlPrecheck } from './services/jobs/url-precheck.js';
import { createKeptVideos } from './services/media/create-kept-videos.js';
import { createDiskMediaStore } from './services/media/media-store.js';
import { UploadIntake } from './services/media/upload-intake.js';
import { anyAddress, publicUnicastOnly } from './services/outbound/address-policy.js';
import { createGuardedFetch, type ResolveHost } from './services/outbound/guarded-fetch.js';
import { createPoller } from './services/scheduling/create-poller.js';
import { learnedDurationModel } from './services/scheduling/duration-history.js';
import type { Poller } from './services/scheduling/poller.js';
import { connectUpstream } from './services/upstream/connect.js';
import type { UpstreamBreakerOptions } from './services/upstream/upstream-breaker.js';
import { WebhookDeliverer } from './services/webhooks/webhook-deliverer.js';
import { createWebhookUrlCheck } from './services/webhooks/webhook-input.js';
import { WebhookSecrets } from './services/webhooks/webhook-secrets.js';
import { WebhookService } from './services/webhooks/webhook-service.js';

export interface AppOptions {
  logger: Logger;
  /** Drives the poller and the call budget; tests pass their own. @default systemClock */
  clock?: Clock;
  /** First wait before a failed call is tried again. @default 1_000 */
  retryBaseMs?: number;
  /** How long a submit that Segmind did not take keeps being tried. @default 600_000 */
  submitRetryWindowMs?: number;
  /** On close, how long upstream calls in flight may take before they are aborted. @default 5_000 */
  shutdownGraceMs?: number;
  /** How the circuit breaker reacts to an outage; tests shorten its pauses. */
  breaker?: UpstreamBreakerOptions;
  /** Told of every error from the gateway's own code (a bug), after it is logged; tests fail on it. @default nothing more */
  onUnexpectedError?: (error: unknown) => void;
  /** How long a WebSocket may stay open without `connection_init`; tests shorten it. @default 3_000 */
  connectionInitWaitTimeoutMs?: number;
  /** Bounds of the automatic persisted queries' store; tests shrink them. @default 1_000 entries of 10_000 characters */
  persistedQueryStore?: PersistedQueryStoreOptions;
  /** Time limit of one media URL's pre-check; tests shorten it. @default 5_000 */
  urlPrecheckTimeoutMs?: number;
  /** How server-side fetches resolve host names; tests answer for names no DNS knows. @default dns.lookup */
  resolveHost?: ResolveHost;
  /** Yoga (envelop) plugins run after the gateway's own; tests observe executions with one. @default none */
  graphqlPlugins?: GraphQLPlugin[];
}

export interface App {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  /** The upstream in use: Segmind, or the built-in simulator. */
  upstream: { kind: 'segmind' | 'simulator'; url: string };
  jobs: JobService;
  /** Token management, as the admin mutations and the CLI use it. */
  tokens: TokenService;
  quotas: QuotaService;
  poller: Poller;
  /** Sends the webhook outbox; tests wait on its `whenIdle()`. */
  webhooks: WebhookDeliverer;
  /** Downloads of finished videos into the media store. */
  mirror: ReturnType<typeof createKeptVideos>['mirror'];
  /** Stops accepting, closes WebSockets, lets in-flight work finish and be persisted, closes the database. Idempotent. */
  close(): Promise<void>;
}

/** Wires config -> database -> services -> HTTP and WebSocket server, and listens. */
export async function createApp(config: Config, options: AppOptions): Promise<App> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const onUnexpectedError = options.onUnexpectedError ?? (() => {});
  // Closing runs these last first: whatever was made later depends on what was made before it.
  const cleanups: (() => Promise<void> | void)[] = [];
  const runCleanups = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };

  try {
    const upstream = await connectUpstream(config.segmind);
    cleanups.push(() => upstream.close());
    const database = openDatabase(config.databasePath);
    cleanups.push(() => database.close());
    // Uploads and kept videos, one file per SHA-256.
    const store = createDiskMediaStore(config.media.directory);

    // Against the simulator, its own clock is the best first guess.
    const simulatedMs = config.segmind.simulator.queueMs + config.segmind.simulator.processingMs;
    const model = learnedDurationModel(
      database,
      upstream.kind === 'simulator' ? { priorMedianMs: () => simulatedMs } : {},
    );
    // Every fetch made on a user's behalf goes through this one guard.
    const outbound = createGuardedFetch({
      allows: config.outbound.allowPrivateAddresses ? anyAddress : publicUnicastOnly,
      resolveHost: options.resolveHost,
    });
    cleanups.push(() => outbound.close());
    const secrets = new WebhookSecrets(database, clock);
    const deliverer = new WebhookDeliverer({
      ...config.webhooks,
      database,
      fetch: outbound,
      secrets,
      clock,
      logger: logger.child({ component: 'webhooks' }),
      onUnexpectedError,
      stopGraceMs: options.shutdownGraceMs,
    });
    const pubsub = new JobPubSub();
    let origin = '';
    const keptVideos = createKeptVideos(
      {
        publicBaseUrl: config.media.publicBaseUrl,
        linkTtlMs: config.media.linkTtlMs,
        retentionMs: config.media.retentionMs,
        downloadsMayReachPrivateAddresses:
          config.outbound.allowPrivateAddresses || isLoopbackHost(new URL(upstream.url).hostname),
      },
      {
        database,
        store,
        pubsub,
        clock,
        logger,
        origin: () => origin,
        resolveHost: options.resolveHost,
        retryBaseMs: options.retryBaseMs,
      },
    );
    const { media, mirror } = keptVideos;
    // Webhooks tell of the gateway's own video link, as `videoUrl` reads.
    const machine = new JobStateMachine(
      database,
      pubsub,
      clock,
      (job) => media.videoUrl(job),
      () => deliverer.wake(),
    );
    const poller = createPoller(
      {
        ...config.polling,
        retryBaseMs: options.retryBaseMs,
        submitRetryWindowMs: options.submitRetryWindowMs,
        stopGraceMs: options.shutdownGraceMs,
        breaker: options.breaker,
      },
      {
        database,
        store,
        client: upstream.client,
        machine,
        model,
        clock,
        logger: logger.child({ component: 'poller' }),
        onUnexpectedError,
      },
    );
    const quotas = new QuotaService(database, clock, config.access);
    const tokens = new TokenService(database, clock);
    const precheck = config.urlPrecheck
      ? createUrlPrecheck({
          fetch: outbound,
          logger: logger.child({ component: 'url-precheck' }),
          timeoutMs: options.urlPrecheckTimeoutMs,
        })
      : undefined;
    const checkWebhookUrl = createWebhookUrlCheck(outbound);
    const jobs = new JobService(
      database,
      pubsub,
      clock,
      machine,
      poller,
      model,
      quotas,
      precheck,
      checkWebhookUrl,
      new UploadIntake(store),
    );
    const webhooks = new WebhookService(database, secrets);

    const { http, webSockets } = serveApi(config, {
      services: { jobs, tokens, quotas, webhooks, media },
      logger,
      onUnexpectedError,
      connectionInitWaitTimeoutMs: options.connectionInitWaitTimeoutMs,
      persistedQueryStore: options.persistedQueryStore,
      graphqlPlugins: options.graphqlPlugins,
    });

    // In reverse: stop accepting, close WebSockets (1001), let upstream calls and webhook attempts in flight
    // finish and be recorded, let HTTP requests end, and only then close the database.
    cleanups.push(() => http.drain());
    cleanups.push(() => keptVideos.stop());
    // Together: each has its own grace period for work in flight, and the two must fit in one shutdown.
    cleanups.push(async () => {
      await Promise.all([poller.stop(), deliverer.stop()]);
    });
    cleanups.push(() => webSockets.close());
    cleanups.push(() => void http.drain());

    origin = await http.listen(config.port, config.host);
    poller.start();
    deliverer.start();
    keptVideos.start();

    let closing: Promise<void> | undefined;
    return {
      url: `${origin}${graphqlPath}`,
      upstream: { kind: upstream.kind, url: upstream.url },
      jobs,
      tokens,
      quotas,
      poller,
      webhooks: deliverer,
      mirror,
      close: () => {
        closing ??= runCleanups();
        return closing;
      },
    };
  } catch (error) {
    await runCleanups();
    throw error;
  }
}
