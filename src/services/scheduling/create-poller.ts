import type { Logger } from 'pino';
import type { Database } from '../../db/connection.js';
import type { Clock } from '../clock.js';
import type { JobStateMachine } from '../jobs/job-state-machine.js';
import type { MediaStore } from '../media/media-store.js';
import { CallBudget } from '../upstream/call-budget.js';
import type { SegmindClient } from '../upstream/segmind-client.js';
import { UpstreamBreaker, type UpstreamBreakerOptions } from '../upstream/upstream-breaker.js';
import { BudgetPlanner } from './budget-planner.js';
import { Dispatcher, type Planner } from './dispatcher.js';
import type { DurationModel } from './duration-model.js';
import { learnedPolicy } from './poll-policy.js';
import { PollStep } from './poll-step.js';
import { Poller } from './poller.js';
import { SubmitStep } from './submit-step.js';
import { Submitter } from './submitter.js';

export interface PollerSettings {
  /** Upstream calls allowed in any window of `rateWindowMs`. */
  callsPerMinute: number;
  rateWindowMs: number;
  pollMinIntervalMs: number;
  pollMaxIntervalMs: number;
  pollTargetDelayMs: number;
  /** First wait before a failed call is tried again; it doubles each time (capped), with full jitter. @default 1_000 */
  retryBaseMs?: number | undefined;
  /** How long a submit that Segmind did not take keeps being tried. @default 600_000 // 10 minutes */
  submitRetryWindowMs?: number | undefined;
  /** On stop, how long upstream calls in flight may take before they are aborted. @default 5_000 */
  stopGraceMs?: number | undefined;
  breaker?: UpstreamBreakerOptions | undefined;
}

export interface PollerDependencies {
  database: Database;
  /** Where uploaded files are, to be sent inline with their submit. */
  store: MediaStore;
  client: SegmindClient;
  machine: JobStateMachine;
  model: DurationModel;
  clock: Clock;
  logger: Logger;
  onUnexpectedError: (error: unknown) => void;
}

/** Longest wait between tries of one failing call. */
const retryMaxMs = 30_000;

/**
 * The planner's turn, every thirtieth of the rate window (2 s): the minute ahead forecast; every job is planned
 * again only when the stretch moved by more than a twentieth, or a sixth of the window (10 s) went by, so that
 * 100,000 jobs cost a replan (about 0.1 s) only that often.
 */
function budgetPlanning(planner: BudgetPlanner, polls: PollStep, submits: SubmitStep, windowMs: number): Planner {
  let stretch = 1;
  let replannedAt = Number.NEGATIVE_INFINITY;
  return {
    everyMs: windowMs / 30,
    // Admission counts jobs until the next plan: a submit held back only by jobs since found waits on it.
    awaited: () => submits.size > 0,
    plan: (now) => {
      planner.plan(now, polls.jobs(), submits.size);
      if (Math.abs(planner.stretch / stretch - 1) <= 0.05 && now - replannedAt < windowMs / 6) return;
      polls.replan(now);
      stretch = planner.stretch;
      replannedAt = now;
    },
  };
}

/** The poller with its parts: a dispatcher running the submit and poll steps under one budget and breaker. */
export function createPoller(settings: PollerSettings, dependencies: PollerDependencies): Poller {
  const { database, store, client, machine, model, clock, logger, onUnexpectedError } = dependencies;
  const retries = { firstMs: settings.retryBaseMs ?? 1000, maxMs: retryMaxMs };
  const budget = new CallBudget(settings.callsPerMinute, clock, settings.rateWindowMs);
  const planner = new BudgetPlanner({
    model,
    budget,
    windowMs: settings.rateWindowMs,
    targetDelayMs: settings.pollTargetDelayMs,
    maxIntervalMs: settings.pollMaxIntervalMs,
  });
  const polls = new PollStep({
    client,
    machine,
    policy: learnedPolicy({
      model,
      minIntervalMs: settings.pollMinIntervalMs,
      maxIntervalMs: settings.pollMaxIntervalMs,
      targetDelayMs: settings.pollTargetDelayMs,
      stretch: () => planner.stretch,
    }),
    model,
    clock,
    logger,
    minIntervalMs: settings.pollMinIntervalMs,
    retries,
  });
  const submitter = new Submitter(database, client, machine, store);
  const submits = new SubmitStep({
    submitter,
    machine,
    clock,
    logger,
    // No more finishes due together than the budget can poll every POLL_MAX_INTERVAL_MS (BudgetPlanner.hasRoom).
    hasRoom: (jobClass, submitting) => planner.hasRoom(jobClass, clock.now(), submitting),
    onSubmitted: (job, requestId) => {
      polls.watch(job, requestId, clock.now());
      planner.watched({ ...job, submittedAt: job.submittedAt?.getTime() ?? clock.now() }, clock.now());
    },
    retries,
    retryWindowMs: settings.submitRetryWindowMs ?? 600_000,
  });
  const breaker = new UpstreamBreaker(clock, settings.breaker);
  breaker.onStateChange((open) => {
    if (open) logger.warn('Segmind looks down: upstream calls paused');
    else logger.info('Segmind answers again: upstream calls resumed');
  });
  const dispatcher = new Dispatcher({
    steps: [submits, polls],
    planner: budgetPlanning(planner, polls, submits, settings.rateWindowMs),
    budget,
    breaker,
    clock,
    logger,
    abortCalls: () => client.abortAll(),
    onUnexpectedError,
    stopGraceMs: settings.stopGraceMs,
  });
  return new Poller({ database, submitter, submits, polls, dispatcher, logger });
}
