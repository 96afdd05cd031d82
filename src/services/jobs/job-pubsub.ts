import type { JobEventRow, JobRow } from '../../db/tables.js';

/** A committed change as published: the row with its events, read once for every subscriber to share. */
export type PublishedJob = JobRow & { events: readonly JobEventRow[] };

export type JobListener = (job: PublishedJob) => void;

interface Watchers {
  listeners: Set<JobListener>;
  /** The job as last read or published, while anyone watches: every new watcher's snapshot, shared. */
  latest: PublishedJob | undefined;
}

/** In-process fan-out of committed job changes to whoever watches that job. */
export class JobPubSub {
  private readonly watchers = new Map<number, Watchers>();
  private readonly everyJobListeners = new Set<JobListener>();

  /** Hears every change of every job (what follows a completion listens so); returns how to stop. */
  watchEveryJob(listener: JobListener): () => void {
    this.everyJobListeners.add(listener);
    return () => this.everyJobListeners.delete(listener);
  }

  /**
   * Starts listening to a job, then returns it as it is now: as a watcher already holds it, or else read
   * with `load`. Listening first means no change can fall between the snapshot and the stream.
   */
  watch(
    jobId: number,
    listener: JobListener,
    load: () => PublishedJob | undefined,
  ): { snapshot: PublishedJob | undefined; stop: () => void } {
    let entry = this.watchers.get(jobId);
    if (!entry) {
      entry = { listeners: new Set(), latest: undefined };
      this.watchers.set(jobId, entry);
    }
    const watchers = entry;
    watchers.listeners.add(listener);
    watchers.latest ??= load();
    const stop = () => {
      watchers.listeners.delete(listener);
      if (watchers.listeners.size === 0 && this.watchers.get(jobId) === watchers) this.watchers.delete(jobId);
    };
    return { snapshot: watchers.latest, stop };
  }

  publish(job: PublishedJob): void {
    for (const listener of [...this.everyJobListeners]) listener(job);
    const watchers = this.watchers.get(job.id);
    if (!watchers) return;
    watchers.latest = job;
    for (const listener of [...watchers.listeners]) listener(job);
  }
}
