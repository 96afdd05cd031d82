import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { JobRow } from '../src/db/tables.js';
import type { JobChange } from '../src/domain/job.js';
import type { JobStateMachine } from '../src/services/jobs/job-state-machine.js';
import { BudgetPlanner } from '../src/services/scheduling/budget-planner.js';
import { Dispatcher } from '../src/services/scheduling/dispatcher.js';
import { DurationModel, type JobClass } from '../src/services/scheduling/duration-model.js';
import { learnedPolicy } from '../src/services/scheduling/poll-policy.js';
import { PollStep } from '../src/services/scheduling/poll-step.js';
import { CallBudget } from '../src/services/upstream/call-budget.js';
import type { SegmindClient, UpstreamJobState } from '../src/services/upstream/segmind-client.js';
import { UpstreamBreaker } from '../src/services/upstream/upstream-breaker.js';
import { ManualClock } from './support/manual-clock.js';

const minute = 60_000;
const classes: (JobClass & { medianMs: number })[] = [
  { duration: 5, resolution: '720p', medianMs: 129_000 },
  { duration: 10, resolution: '720p', medianMs: 207_000 },
  { duration: 5, resolution: '1080p', medianMs: 190_000 },
];

/** A seeded spread of about 4 % around the median, as Segmind's (the same every run). */
function spread(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    const u = state / 2 ** 32;
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    const v = state / 2 ** 32;
    return 1 + 0.04 * Math.sqrt(-2 * Math.log(u || 1e-9)) * Math.cos(2 * Math.PI * v);
  };
}

/**
 * The scheduler alone (budget planner, poll policy, poll step, dispatcher, call budget) on a manual clock,
 * against a Segmind that is only a table of finish times: what it polls, and when it finds each finish.
 */
function scheduler(callsPerMinute: number) {
  const clock = new ManualClock();
  const model = new DurationModel();
  const finishes = new Map<string, number>();
  const calls: number[] = [];
  const found = new Map<number, number>();
  const answer = async (requestId: string): Promise<UpstreamJobState> => {
    calls.push(clock.now());
    if (clock.now() < (finishes.get(requestId) ?? Number.POSITIVE_INFINITY)) return { status: 'PROCESSING' };
    return { status: 'COMPLETED', videoUrl: `https://example.com/${requestId}.mp4`, cost: 1, upstreamMs: undefined };
  };
  const client = { status: answer, result: answer } as unknown as SegmindClient;
  const machine = {
    transition: (jobId: number, change: JobChange) => {
      if (change.status === 'COMPLETED') found.set(jobId, clock.now());
      return undefined;
    },
  } as unknown as JobStateMachine;
  const logger = pino({ level: 'silent' });
  const budget = new CallBudget(callsPerMinute, clock);
  const settings = { minIntervalMs: 1000, maxIntervalMs: 15_000, targetDelayMs: 3000 };
  const planner = new BudgetPlanner({ model, budget, windowMs: minute, ...settings });
  const policy = learnedPolicy({ model, ...settings, stretch: () => planner.stretch });
  const polls = new PollStep({
    client,
    machine,
    policy,
    model,
    clock,
    logger,
    ...settings,
    retries: { firstMs: 1000, maxMs: 30_000 },
  });
  const dispatcher = new Dispatcher({
    steps: [polls],
    planner: {
      everyMs: 2000,
      awaited: () => false,
      plan: (now) => {
        planner.plan(now, polls.jobs(), 0);
        polls.replan(now);
      },
    },
    budget,
    breaker: new UpstreamBreaker(clock),
    clock,
    logger,
    abortCalls: async () => {},
    onUnexpectedError: (error) => {
      throw error;
    },
  });
  let nextId = 1;
  return {
    clock,
    model,
    calls,
    found,
    planner,
    /** Segmind takes a job now that will finish `durationMs` later; the scheduler starts watching it. */
    submit(jobClass: JobClass, durationMs: number): { id: number; finishesAt: number } {
      const id = nextId++;
      const finishesAt = clock.now() + durationMs;
      finishes.set(`request-${id}`, finishesAt);
      const row = { id, ...jobClass, status: 'QUEUED', submittedAt: new Date(clock.now()) } as unknown as JobRow;
      polls.watch(row, `request-${id}`, clock.now());
      dispatcher.wake();
      return { id, finishesAt };
    },
    start: () => dispatcher.start(),
    async runFor(ms: number): Promise<void> {
      const until = clock.now() + ms;
      while (clock.now() < until) {
        clock.tick(Math.min(250, until - clock.now()));
        await dispatcher.whenIdle();
      }
    },
  };
}

/** The most calls in any window of a minute. */
function busiestMinute(times: readonly number[]): number {
  let busiest = 0;
  for (let start = 0, end = 0; start < times.length; start++) {
    while (end < times.length && (times[end] as number) < (times[start] as number) + minute) end++;
    busiest = Math.max(busiest, end - start);
  }
  return busiest;
}

describe('the budget planner', () => {
  it('finds a wave of 25 finishes due together on 50 calls a minute within 15 s at p95, spending the whole budget while they wait', async () => {
    const run = scheduler(50);
    const draw = spread(2026);
    // The model has seen 30 jobs of each class finish.
    for (const jobClass of classes) {
      for (let index = 0; index < 30; index++) run.model.record(jobClass, jobClass.medianMs * draw());
    }
    run.start();
    const wave = Array.from({ length: 25 }, (_, index) => {
      const jobClass = classes[index % classes.length] as (typeof classes)[number];
      return run.submit(jobClass, jobClass.medianMs * draw());
    });
    await run.runFor(6 * minute);

    const delays = wave.map((job) => (run.found.get(job.id) ?? Number.POSITIVE_INFINITY) - job.finishesAt);
    const sorted = [...delays].sort((a, b) => a - b);
    const p95 = sorted[Math.ceil(0.95 * sorted.length) - 1] as number;
    expect(run.found.size).toBe(25);
    expect(p95).toBeLessThanOrEqual(15_000);
    expect(busiestMinute(run.calls)).toBeLessThanOrEqual(50);
    // Fewer calls than polling each job every 15 s, let alone every 2 s as the SDK does.
    expect(run.calls.length / 25).toBeLessThan(10);
    // No idle budget while a finished job waited to be found: from its finish to its find, the calls went
    // out as fast as the pacing lets them (one per 1.26 s, the budget counting its window 5 % long).
    const paceMs = (minute * 1.05) / 50;
    for (const job of wave) {
      const foundAt = run.found.get(job.id) ?? 0;
      if (foundAt - job.finishesAt <= 3000) continue;
      const spent = run.calls.filter((at) => at >= job.finishesAt && at < foundAt).length;
      expect(spent).toBeGreaterThanOrEqual(Math.floor((foundAt - job.finishesAt) / paceMs) - 1);
    }
  });
});
