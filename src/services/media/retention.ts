import type { Logger } from 'pino';
import type { Database } from '../../db/connection.js';
import { isFileShared, listVideoFilesMirroredBefore, updateVideoFile } from '../../db/media-queries.js';
import type { Clock } from '../clock.js';
import type { MediaStore } from './media-store.js';

export interface MediaRetentionOptions {
  database: Database;
  store: MediaStore;
  clock: Clock;
  logger: Logger;
  /** Copies older than this are deleted (MEDIA_RETENTION_DAYS). */
  retentionMs: number;
}

/** How often old copies are looked for; a copy outlives its retention by at most this. */
const sweepEveryMs = 60 * 60_000;

/** Deletes kept videos past MEDIA_RETENTION_DAYS: at start, then every hour. */
export class MediaRetention {
  private cancel: (() => void) | undefined;
  private sweeping: Promise<void> = Promise.resolve();

  constructor(private readonly options: MediaRetentionOptions) {}

  start(): void {
    const tick = () => {
      this.sweeping = this.sweep().catch((error: unknown) =>
        this.options.logger.error({ err: error }, 'sweeping old videos failed'),
      );
      this.cancel = this.options.clock.setTimer(tick, sweepEveryMs);
    };
    tick();
  }

  /** Deletes every copy past its retention; the job's `video.deletedAt` records it before the file goes. */
  async sweep(): Promise<void> {
    const { database, store, clock, logger, retentionMs } = this.options;
    const now = clock.now();
    const old = listVideoFilesMirroredBefore(database.db, new Date(now - retentionMs));
    for (const file of old) {
      // Marked first: a crash in between leaves a stray file, never a row that names a missing one.
      updateVideoFile(database.db, file.jobId, { deletedAt: new Date(now) });
      if (file.sha256 !== null && !isFileShared(database.db, file.sha256, file.jobId)) await store.delete(file.sha256);
    }
    if (old.length > 0) logger.info({ deleted: old.length }, 'old videos deleted (MEDIA_RETENTION_DAYS)');
  }

  async stop(): Promise<void> {
    this.cancel?.();
    await this.sweeping;
  }
}
