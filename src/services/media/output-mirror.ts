import type { Logger } from 'pino';
import type { Database } from '../../db/connection.js';
import { findVideoFile, listOwedVideoFiles, updateVideoFile } from '../../db/media-queries.js';
import type { Clock } from '../clock.js';
import type { GuardedFetch } from '../outbound/guarded-fetch.js';
import { Backoff } from '../scheduling/backoff.js';
import type { MediaStore } from './media-store.js';

export interface OutputMirrorOptions {
  database: Database;
  store: MediaStore;
  /** The guarded fetch that may reach Segmind's storage. */
  fetch: GuardedFetch;
  clock: Clock;
  logger: Logger;
  /** First wait before a failed download is tried again; it doubles each time, with full jitter. @default 1_000 */
  retryBaseMs?: number | undefined;
}

/** Tries per video, across restarts, before the link is left redirecting to Segmind's URL for good. */
const maxAttempts = 8;
/** Longest wait between two tries: Segmind keeps outputs about 7 days, so hours of trying are affordable. */
const retryMaxMs = 10 * 60_000;
/** A 15 s 1080p video is a few tens of MB; anything far past that is not one. */
const maxVideoBytes = 512 * 1024 ** 2;
const downloadTimeoutMs = 10 * 60_000;

/**
 * Keeps a copy of every COMPLETED job's video (contract section 6): downloads it from Segmind's storage right
 * after the job completes, through the guarded fetch (not the API: no call of the budget is spent), into the
 * media store; retries with backoff; at start, picks up every download still owed.
 */
export class OutputMirror {
  private readonly pending = new Map<number, { cancel: () => void; backoff: Backoff }>();
  private readonly running = new Map<number, Promise<void>>();
  private readonly aborts = new AbortController();
  private stopped = false;

  constructor(private readonly options: OutputMirrorOptions) {}

  /** Schedules every download still owed (after a restart: those cut off or waiting for a retry). */
  start(): void {
    for (const owed of listOwedVideoFiles(this.options.database.db)) this.owe(owed.jobId, owed.url);
  }

  /** Downloads a job's video now, unless it is already being fetched or waiting for a retry. */
  owe(jobId: number, url: string): void {
    if (this.stopped || this.running.has(jobId) || this.pending.has(jobId)) return;
    this.run(jobId, url, new Backoff({ firstMs: this.options.retryBaseMs ?? 1000, maxMs: retryMaxMs, jitter: 'full' }));
  }

  /** Resolves once no download is in flight; for tests and shutdown. */
  async whenIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  /** Cancels waiting retries and cuts off downloads in flight; what is cut off is owed again at the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { cancel } of this.pending.values()) cancel();
    this.pending.clear();
    this.aborts.abort();
    await this.whenIdle();
  }

  private run(jobId: number, url: string, backoff: Backoff): void {
    const attempt = this.download(jobId, url, backoff).finally(() => this.running.delete(jobId));
    this.running.set(jobId, attempt);
  }

  private async download(jobId: number, url: string, backoff: Backoff): Promise<void> {
    const { database, store, fetch, clock, logger } = this.options;
    const attempts = (findVideoFile(database.db, jobId)?.attempts ?? 0) + 1;
    updateVideoFile(database.db, jobId, { attempts });
    try {
      const response = await fetch.fetch(url, {
        maxRedirects: 5,
        timeoutMs: downloadTimeoutMs,
        signal: this.aborts.signal,
      });
      if (response.status !== 200) {
        response.body.destroy();
        throw new Error(`Segmind's storage answered HTTP ${response.status}`);
      }
      const stored = await store.put(response.body, { maxBytes: maxVideoBytes });
      updateVideoFile(database.db, jobId, { ...stored, mirroredAt: new Date(clock.now()), lastError: null });
      logger.info({ jobId, sizeBytes: stored.sizeBytes, attempts }, 'video kept');
    } catch (error) {
      if (this.stopped) return;
      const message = error instanceof Error ? error.message : String(error);
      if (attempts >= maxAttempts) {
        updateVideoFile(database.db, jobId, { lastError: message, gaveUpAt: new Date(clock.now()) });
        logger.warn({ jobId, attempts, error: message }, "video not kept: its link keeps pointing at Segmind's copy");
        return;
      }
      updateVideoFile(database.db, jobId, { lastError: message });
      const waitMs = backoff.next();
      logger.info({ jobId, attempts, waitMs, error: message }, 'video download failed, will retry');
      const cancel = clock.setTimer(() => {
        this.pending.delete(jobId);
        if (!this.stopped) this.run(jobId, url, backoff);
      }, waitMs);
      this.pending.set(jobId, { cancel, backoff });
    }
  }
}
