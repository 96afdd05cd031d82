import type { Database, Queryable } from './connection.js';

interface QueuedWrite {
  work: (tx: Queryable) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Commits the writes queued within one turn of the event loop in a single immediate transaction, so that
 * many concurrent requests share one fsync (synchronous=FULL makes each commit wait for the disk). When a
 * write throws, the batch is undone and each write runs again alone, so only the failing one fails.
 */
export class GroupCommit {
  private queued: QueuedWrite[] = [];

  constructor(private readonly database: Database) {}

  run<T>(work: (tx: Queryable) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.flush());
      this.queued.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private flush(): void {
    const batch = this.queued;
    this.queued = [];
    let values: unknown[];
    try {
      values = this.database.writeTransaction((tx) => batch.map((write) => write.work(tx)));
    } catch {
      for (const write of batch) {
        try {
          write.resolve(this.database.writeTransaction((tx) => write.work(tx)));
        } catch (error) {
          write.reject(error);
        }
      }
      return;
    }
    batch.forEach((write, index) => {
      write.resolve(values[index]);
    });
  }
}
