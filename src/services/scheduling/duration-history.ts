import type { Database } from '../../db/connection.js';
import { listLearnedDurations } from '../../db/job-queries.js';
import { DurationModel, type DurationModelOptions } from './duration-model.js';

/** Finished jobs (completed, and failed upstream) replayed into the model at start (it keeps the latest 50 per class). */
const learnedHistoryLimit = 5000;

/** A duration model that already knows the latest finished jobs, so learning survives a restart. */
export function learnedDurationModel(database: Database, options: DurationModelOptions): DurationModel {
  const model = new DurationModel(options);
  for (const sample of listLearnedDurations(database.db, learnedHistoryLimit)) {
    if (sample.failed) model.recordFailure(sample, sample.upstreamDurationMs);
    else model.record(sample, sample.upstreamDurationMs);
  }
  return model;
}
