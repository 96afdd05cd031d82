import type { Database, Db } from './connection.js';

interface QueuedWrite {
  work: (tx: Db) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Commits the writes queued within one turn of the event loop in a single immediate transaction, so that
 * many concurrent requests share one fsync (synchronous=FULL makes each commit wait for the disk). Each
 * write runs in its own savepoint: one that throws is undone alone and rejects alone. A failed commit
 * rejects them all; none was stored.
 */
export class GroupCommit {
  private queued: QueuedWrite[] = [];

  constructor(private readonly database: Database) {}

  run<T>(work: (tx: Db) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.flush());
      this.queued.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private flush(): void {
    const batch = this.queued;
    this.queued = [];
    let outcomes: ({ value: unknown } | { error: unknown })[];
    try {
      outcomes = this.database.writeTransaction((tx) =>
        batch.map((write) => {
          try {
            return { value: tx.transaction((savepoint) => write.work(savepoint)) };
          } catch (error) {
            return { error };
          }
        }),
      );
    } catch (error) {
      for (const write of batch) write.reject(error);
      return;
    }
    outcomes.forEach((outcome, index) => {
      const write = batch[index] as QueuedWrite;
      if ('error' in outcome) write.reject(outcome.error);
      else write.resolve(outcome.value);
    });
  }
}
