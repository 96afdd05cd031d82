import type { Logger } from 'pino';
import type { Database } from '../../db/connection.js';
import { isStorageUnavailable } from '../../db/storage-errors.js';
import {
  type DueWebhookDelivery,
  listDueWebhookDeliveries,
  nextWebhookDueAt,
  recordWebhookAttempt,
} from '../../db/webhook-queries.js';
import type { Clock } from '../clock.js';
import { type GuardedFetch, GuardedFetchError } from '../outbound/guarded-fetch.js';
import { retryDelayMs } from './webhook-retries.js';
import type { WebhookSecrets } from './webhook-secrets.js';
import { signWebhook } from './webhook-signing.js';

export interface WebhookDelivererOptions {
  database: Database;
  /** The SSRF-guarded fetch: it checks each delivery's address again, since DNS can change. */
  fetch: GuardedFetch;
  secrets: WebhookSecrets;
  /** Drives the retry schedule; tests pass a manual clock. */
  clock: Clock;
  logger: Logger;
  onUnexpectedError: (error: unknown) => void;
  /** Multiplies every retry wait (`WEBHOOK_RETRY_SCALE`). */
  retryScale: number;
  /** Deliveries in flight at once, all receivers together (`WEBHOOK_CONCURRENCY`). */
  maxConcurrent: number;
  /** Time limit of one attempt, connecting included (`WEBHOOK_TIMEOUT_MS`). */
  timeoutMs: number;
  /** On stop, how long attempts in flight may take before they are aborted (and made again after a restart). @default 5_000 */
  stopGraceMs?: number | undefined;
}

/** After an attempt could not be made or recorded, wait this long before trying any again. */
const failurePauseMs = 5000;

/**
 * Sends what the outbox holds: every pending delivery that is due, at most `maxConcurrent` at once, each
 * attempt recorded with what follows it (delivered, a later retry, or abandoned). It keeps nothing in
 * memory that the outbox does not, so after a restart it simply carries on; an attempt cut off by a crash
 * is made again (at least once: receivers drop repeats by `webhook-id`).
 */
export class WebhookDeliverer {
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly stopping = new AbortController();
  private cancelTimer: (() => void) | undefined;
  private pausedUntil = 0;
  private running = false;

  constructor(private readonly options: WebhookDelivererOptions) {}

  start(): void {
    this.running = true;
    this.pump();
  }

  /** A status change wrote a delivery into the outbox: send it now rather than at the next timer. */
  wake(): void {
    if (this.running) this.pump();
  }

  /** Resolves once no attempt is in flight (and none started meanwhile). */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()]);
  }

  /** Starts no more attempts; those in flight get a grace period, then are aborted unrecorded. Idempotent. */
  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    // Wall-clock time, not the app's clock: shutdown must end whatever clock drives the schedule.
    const graceOver = new Promise<void>((resolve) => {
      graceTimer = setTimeout(resolve, this.options.stopGraceMs ?? 5000);
    });
    await Promise.race([this.whenIdle(), graceOver]);
    clearTimeout(graceTimer);
    this.stopping.abort();
    await this.whenIdle();
  }

  /** Starts what is due, as far as the cap allows, then sleeps until the next delivery falls due. */
  private pump(): void {
    if (!this.running) return;
    try {
      this.fill();
    } catch (error) {
      this.failed(error, undefined);
    }
  }

  private fill(): void {
    const { database, clock, maxConcurrent } = this.options;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const now = clock.now();
    if (now < this.pausedUntil) {
      this.cancelTimer = clock.setTimer(() => this.pump(), this.pausedUntil - now);
      return;
    }
    const free = maxConcurrent - this.inFlight.size;
    if (free <= 0) return; // each attempt that ends pumps again
    const busy = [...this.inFlight.keys()];
    for (const delivery of listDueWebhookDeliveries(database.db, new Date(now), busy, free)) this.begin(delivery);
    if (this.inFlight.size >= maxConcurrent) return;
    const next = nextWebhookDueAt(database.db, [...this.inFlight.keys()]);
    if (next) this.cancelTimer = clock.setTimer(() => this.pump(), next.getTime() - now);
  }

  private begin(delivery: DueWebhookDelivery): void {
    const attempt = this.attempt(delivery)
      .catch((error: unknown) => this.failed(error, delivery.id))
      .finally(() => {
        this.inFlight.delete(delivery.id);
        this.pump();
      });
    this.inFlight.set(delivery.id, attempt);
  }

  /**
   * Pauses deliveries a while: the outbox row is still pending and due, and trying it again at once would
   * fail alike, in a loop. A disk that refuses writes is logged; anything else is our bug and reported too.
   */
  private failed(error: unknown, deliveryId: number | undefined): void {
    const { logger, clock } = this.options;
    this.pausedUntil = clock.now() + failurePauseMs;
    this.cancelTimer?.();
    this.cancelTimer = clock.setTimer(() => this.pump(), failurePauseMs);
    if (isStorageUnavailable(error)) {
      logger.error({ err: error, deliveryId }, 'webhook outbox unavailable: deliveries paused');
      return;
    }
    logger.error({ err: error, deliveryId }, 'webhook delivery failed unexpectedly');
    this.options.onUnexpectedError(error);
  }

  /** One POST of the delivery, signed now with the owner's secrets, and its outcome recorded. */
  private async attempt(delivery: DueWebhookDelivery): Promise<void> {
    const { clock, fetch, secrets, timeoutMs, retryScale, database, logger } = this.options;
    const at = new Date(clock.now());
    const number = delivery.attempts + 1;
    const signed = signWebhook(delivery.messageId, at, delivery.payload, secrets.signingSecrets(delivery.owner));
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch.fetch(delivery.url, {
        method: 'POST',
        headers: { ...signed, 'content-type': 'application/json', 'user-agent': 'wan-i2v-gateway (webhooks)' },
        body: delivery.payload,
        maxRedirects: 0,
        timeoutMs,
        signal: this.stopping.signal,
      });
      // Only the status counts: the body is never read, so no receiver can make the gateway read much.
      response.body.destroy();
      statusCode = response.status;
    } catch (failure) {
      if (!(failure instanceof GuardedFetchError)) throw failure;
      // Cut off by shutdown: left unrecorded and pending, so it is made again after the restart.
      if (this.stopping.signal.aborted) return;
      error = failure.reason === 'timeout' ? `no answer within ${timeoutMs / 1000} s` : failure.message;
    }
    const ok = statusCode !== null && statusCode >= 200 && statusCode <= 299;
    // 410 Gone: the receiver says this endpoint is no more; retrying would only knock on a closed door.
    const delay = ok || statusCode === 410 ? undefined : retryDelayMs(number, retryScale);
    const state = ok ? 'delivered' : delay === undefined ? 'abandoned' : 'pending';
    database.writeTransaction((tx) =>
      recordWebhookAttempt(
        tx,
        { deliveryId: delivery.id, jobId: delivery.jobId, attempt: number, at, statusCode, ok, error },
        { state, nextAttemptAt: new Date(clock.now() + (delay ?? 0)) },
      ),
    );
    // The query is left out of the log: a receiver's URL may carry its own secret there.
    const { origin, pathname } = new URL(delivery.url);
    const context = { jobId: delivery.jobId, type: delivery.type, url: `${origin}${pathname}`, attempt: number };
    if (state === 'abandoned') logger.warn({ ...context, statusCode, error }, 'webhook abandoned');
    else if (!ok) logger.info({ ...context, statusCode, error, retryInMs: delay }, 'webhook attempt failed');
  }
}
