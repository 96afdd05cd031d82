import type { JobEventRow, JobRow } from '../db/tables.js';

/** A committed change as published: the row with its events, read once for every subscriber to share. */
export type PublishedJob = JobRow & { events: readonly JobEventRow[] };

export type JobListener = (job: PublishedJob) => void;

/** In-process fan-out of committed job changes to whoever watches that job. */
export class JobPubSub {
  private readonly listeners = new Map<number, Set<JobListener>>();

  /** Returns the function that stops listening. */
  subscribe(jobId: number, listener: JobListener): () => void {
    let set = this.listeners.get(jobId);
    if (!set) {
      set = new Set();
      this.listeners.set(jobId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(jobId) === set) this.listeners.delete(jobId);
    };
  }

  publish(job: PublishedJob): void {
    const set = this.listeners.get(job.id);
    if (!set) return;
    for (const listener of [...set]) listener(job);
  }

  listenerCount(jobId: number): number {
    return this.listeners.get(jobId)?.size ?? 0;
  }
}
