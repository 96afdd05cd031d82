import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { JobStateMachine } from '../src/services/jobs/job-state-machine.js';
import type { Send, Work } from '../src/services/scheduling/dispatcher.js';
import type { PollPlan, PollPolicy } from '../src/services/scheduling/poll-policy.js';
import { PollStep } from '../src/services/scheduling/poll-step.js';
import { SubmitStep } from '../src/services/scheduling/submit-step.js';
import type { SubmitResult, Submitter } from '../src/services/scheduling/submitter.js';
import type { SegmindClient, UpstreamJobState } from '../src/services/upstream/segmind-client.js';
import { UpstreamError } from '../src/services/upstream/upstream-error.js';
import { ManualClock } from './support/manual-clock.js';

// What the dispatcher is offered: these cases pin the choices the scan over every job made before the queue.

const minIntervalMs = 1000;
const maxIntervalMs = 15_000;
const logger = pino({ level: 'silent' });
const send: Send = (call) => call();

/** A read in flight: the test answers it. */
interface Call {
  requestId: string;
  kind: 'status' | 'result';
  answer(state: UpstreamJobState): Promise<void>;
  fail(error: unknown): Promise<void>;
}

const jobClass = { duration: 5, resolution: '720p' } as const;

/** A poll step with a policy read off a table (per job: due this long after its last look, and an urgency). */
function pollStepUnderTest() {
  const clock = new ManualClock();
  const start = clock.now();
  const plans = new Map<number, { dueInMs: number; urgency: number; readResult?: boolean }>();
  let planCalls = 0;
  const policy: PollPolicy = {
    plan(job): PollPlan {
      planCalls++;
      const { dueInMs, urgency, readResult = false } = plans.get(job.id) ?? { dueInMs: 0, urgency: 0 };
      const last = Number.isFinite(job.lastPolledAt) ? job.lastPolledAt : start;
      // Overdue, as the policy plans it where it knows nothing: unpolled for `maxIntervalMs`.
      return { dueAt: last + dueInMs, urgency, readResult, pollBy: job.lastPolledAt + maxIntervalMs };
    },
  };
  const calls: Call[] = [];
  let settle: () => Promise<void> = async () => {};
  const read =
    (kind: Call['kind']) =>
    (requestId: string): Promise<UpstreamJobState> =>
      new Promise((resolve, reject) => {
        const done = (outcome: () => void) => {
          outcome();
          return settle();
        };
        calls.push({
          requestId,
          kind,
          answer: (state) => done(() => resolve(state)),
          fail: (error) => done(() => reject(error)),
        });
      });
  const client = { status: read('status'), result: read('result') } as unknown as SegmindClient;
  const machine = { transition: () => undefined } as unknown as JobStateMachine;
  const step = new PollStep({
    client,
    machine,
    policy,
    model: { record: () => {} } as never,
    clock,
    logger,
    minIntervalMs,
    retries: { firstMs: 1000, maxMs: 1000 },
  });
  /** Starts watching job `id` (request `r<id>`), last polled `polledAgoMs` ago (undefined: never). */
  const watch = (id: number, plan: { dueInMs: number; urgency: number }, polledAgoMs?: number) => {
    plans.set(id, plan);
    const submittedAt = new Date(start - 60_000);
    const lastPolledAt = polledAgoMs === undefined ? Number.NEGATIVE_INFINITY : clock.now() - polledAgoMs;
    step.watch({ id, status: 'PROCESSING', duration: 5, resolution: '720p', submittedAt }, `r${id}`, lastPolledAt);
  };
  /** Runs the work the step offers now, if due: the read it starts, left in flight. */
  const dispatch = async (): Promise<{ work: Work; call: Call } | { work: Work | undefined; call: undefined }> => {
    const work = step.nextWork(clock.now());
    if (!work || work.dueAt > clock.now()) return { work, call: undefined };
    const running = work.run(send);
    settle = () => running;
    await Promise.resolve();
    return { work, call: calls.at(-1) as Call };
  };
  const chosen = async () => (await dispatch()).call?.requestId;
  return { clock, step, plans, watch, dispatch, chosen, planCalls: () => planCalls };
}

describe('the poll step offers the read the scan over every watched job chose', () => {
  it('among due reads, the likeliest first; a job being read is skipped', async () => {
    const { watch, chosen } = pollStepUnderTest();
    watch(1, { dueInMs: 0, urgency: 0.1 }, 5000);
    watch(2, { dueInMs: 0, urgency: 0.5 }, 5000);
    watch(3, { dueInMs: 0, urgency: 0.3 }, 5000);
    watch(4, { dueInMs: 0, urgency: 0.5 }, 5000); // as likely as 2, watched later
    expect([await chosen(), await chosen(), await chosen(), await chosen()]).toEqual(['r2', 'r4', 'r3', 'r1']);
    expect(await chosen()).toBeUndefined(); // all four in flight
  });

  it('before any is due, offers the one due soonest, and nothing runs', async () => {
    const { clock, watch, dispatch } = pollStepUnderTest();
    watch(1, { dueInMs: 9000, urgency: 0.9 }, 5000);
    watch(2, { dueInMs: 7000, urgency: 0.1 }, 5000);
    const { work, call } = await dispatch();
    expect(call).toBeUndefined();
    expect(work?.dueAt).toBe(clock.now() + 2000);
  });

  it('an overdue poll goes first, the longest unpolled first, as rank -1 and urgency 1', async () => {
    const { watch, dispatch, chosen } = pollStepUnderTest();
    watch(1, { dueInMs: 0, urgency: 0.9 }, 5000);
    watch(2, { dueInMs: 0, urgency: 0.1 }, 20_000);
    watch(3, { dueInMs: 0, urgency: 0.1 }, 30_000);
    const { work, call } = await dispatch();
    expect(call?.requestId).toBe('r3');
    expect(work).toMatchObject({ rank: -1, urgency: 1 });
    expect([await chosen(), await chosen()]).toEqual(['r2', 'r1']);
  });

  it('a due job becomes overdue as time passes, and then goes before likelier ones', async () => {
    const { clock, watch, chosen, dispatch } = pollStepUnderTest();
    watch(1, { dueInMs: 0, urgency: 0.01 }, 14_000); // overdue in 1 s
    watch(2, { dueInMs: 0, urgency: 0.5 }, 2000);
    watch(3, { dueInMs: 0, urgency: 0.4 }, 2000);
    expect((await dispatch()).work).toMatchObject({ rank: 2, urgency: 0.5 });
    clock.advance(1000);
    expect(await chosen()).toBe('r1');
    expect(await chosen()).toBe('r3');
  });

  it('never-polled jobs found at start are all overdue: they take turns in the order they were watched', async () => {
    const { watch, chosen } = pollStepUnderTest();
    watch(7, { dueInMs: 0, urgency: 0.9 });
    watch(5, { dueInMs: 0, urgency: 0.1 });
    watch(6, { dueInMs: 0, urgency: 0.5 });
    expect([await chosen(), await chosen(), await chosen()]).toEqual(['r7', 'r5', 'r6']);
  });

  it('a result Segmind owes goes before routine polls due with it, and reads the result', async () => {
    const { clock, watch, dispatch, chosen } = pollStepUnderTest();
    watch(1, { dueInMs: 0, urgency: 0.2 }, 5000);
    watch(2, { dueInMs: 0, urgency: 0.9 }, 5000);
    const first = await dispatch();
    expect(first.call?.requestId).toBe('r2');
    await first.call?.answer({ status: 'COMPLETED', videoUrl: undefined, cost: undefined, upstreamMs: undefined });
    watch(3, { dueInMs: 0, urgency: 0.95 }, 5000);
    clock.advance(minIntervalMs); // the owed result is due one minimum interval after the last look
    const owed = await dispatch();
    expect(owed.call).toMatchObject({ requestId: 'r2', kind: 'result' });
    expect(owed.work).toMatchObject({ rank: 1, urgency: 1 });
    expect(await chosen()).toBe('r3');
  });

  it('a failed read is retried after its backoff, as urgent, before routine polls', async () => {
    const { clock, watch, dispatch, chosen } = pollStepUnderTest();
    watch(1, { dueInMs: 0, urgency: 0.9 }, 5000);
    const first = await dispatch();
    await first.call?.fail(new UpstreamError('SERVER_ERROR', 'boom', { httpStatus: 500 }));
    watch(2, { dueInMs: 0, urgency: 0.5 }, 5000);
    clock.advance(1000); // past the retry wait (at most retries.maxMs) and the minimum interval
    const retry = await dispatch();
    expect(retry.call).toMatchObject({ requestId: 'r1', kind: 'status' });
    expect(retry.work).toMatchObject({ rank: 2, urgency: 1 });
    expect(await chosen()).toBe('r2');
  });

  it('a job whose request Segmind forgot is no longer offered', async () => {
    const { step, watch, dispatch, chosen } = pollStepUnderTest();
    watch(1, { dueInMs: 0, urgency: 0.9 }, 5000);
    watch(2, { dueInMs: 0, urgency: 0.1 }, 5000);
    await (await dispatch()).call?.fail(new UpstreamError('NOT_FOUND', 'gone', { httpStatus: 404 }));
    expect(step.size).toBe(1);
    expect(await chosen()).toBe('r2');
    expect(await chosen()).toBeUndefined();
  });

  it('plans a job when watched and after each read, never to choose; replan() plans each job once again', async () => {
    const { clock, step, plans, watch, dispatch, chosen, planCalls } = pollStepUnderTest();
    for (let id = 1; id <= 100; id++) watch(id, { dueInMs: 0, urgency: id / 1000 }, 5000);
    expect(planCalls()).toBe(100);
    for (let look = 0; look < 50; look++) step.nextWork(clock.now());
    expect(planCalls()).toBe(100);
    const { call } = await dispatch();
    expect(call?.requestId).toBe('r100');
    await call?.answer({ status: 'PROCESSING' });
    expect(planCalls()).toBe(101);
    plans.set(1, { dueInMs: 0, urgency: 0.9 });
    step.replan();
    expect(planCalls()).toBe(201);
    expect(await chosen()).toBe('r1');
  });
});

describe('the submit step offers the oldest due submit', () => {
  function submitStepUnderTest(room = () => true) {
    const clock = new ManualClock();
    const started: number[] = [];
    const answers: ((result: SubmitResult) => void)[] = [];
    const submitter = {
      submit: (jobId: number) =>
        new Promise<SubmitResult>((resolve) => {
          started.push(jobId);
          answers.push(resolve);
        }),
    } as unknown as Submitter;
    const step = new SubmitStep({
      submitter,
      machine: { transition: () => undefined } as unknown as JobStateMachine,
      clock,
      logger,
      hasRoom: room,
      onSubmitted: () => {},
      retries: { firstMs: 5000, maxMs: 5000 },
      retryWindowMs: 600_000,
    });
    const next = async () => {
      const work = step.nextWork(clock.now());
      if (!work || work.dueAt > clock.now()) return undefined;
      const running = work.run(send);
      await Promise.resolve();
      const answer = answers.at(-1);
      const finish = (result: SubmitResult) => {
        answer?.(result);
        return running;
      };
      return { jobId: started.at(-1), finish };
    };
    return { clock, step, next };
  }
  const notMade: SubmitResult = {
    kind: 'not-made',
    error: new UpstreamError('SERVER_ERROR', 'busy', { httpStatus: 503 }),
  };

  it('in creation order, skipping jobs on their way and cancelled ones; one refused waits its backoff', async () => {
    const { clock, step, next } = submitStepUnderTest();
    for (const id of [1, 2, 3, 4]) step.add(id, jobClass);
    step.remove(2);
    const first = await next();
    expect(first?.jobId).toBe(1);
    expect((await next())?.jobId).toBe(3); // 1 is on its way
    await first?.finish(notMade);
    expect((await next())?.jobId).toBe(4); // 1 waits up to 5 s before its next try
    expect(await next()).toBeUndefined();
    clock.advance(5000);
    expect((await next())?.jobId).toBe(1);
  });

  it('with none due, offers the one due soonest; with no room, nothing', async () => {
    let room = true;
    const { clock, step, next } = submitStepUnderTest(() => room);
    step.add(1, jobClass);
    await (await next())?.finish(notMade);
    expect(step.nextWork(clock.now())?.dueAt).toBeGreaterThan(clock.now());
    room = false;
    clock.advance(5000);
    expect(step.nextWork(clock.now())).toBeUndefined();
  });
});
