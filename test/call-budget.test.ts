import { describe, expect, it } from 'vitest';
import { CallBudget } from '../src/services/upstream/call-budget.js';
import type { SimulatorCall } from '../src/simulator/index.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { defaultPolling, runUntil, startOnManualClock } from './support/drive.js';
import { createJob, statusOf } from './support/gateway.js';
import { ManualClock } from './support/manual-clock.js';

const cleanup = cleanupAfterEach();

/** The most calls that fall in any 60 s window [t, t + 60 s), over every window that starts at a call. */
function busiestMinute(calls: readonly SimulatorCall[]): number {
  const times = calls.map((call) => call.at).sort((a, b) => a - b);
  let busiest = 0;
  let end = 0;
  for (let start = 0; start < times.length; start++) {
    while (end < times.length && (times[end] as number) < (times[start] as number) + 60_000) end++;
    busiest = Math.max(busiest, end - start);
  }
  return busiest;
}

describe('the upstream call budget (SEGMIND_RPM)', () => {
  it('paces calls instead of spending the whole minute in one burst', () => {
    const clock = new ManualClock();
    const budget = new CallBudget(50, clock);
    let taken = 0;
    while (budget.tryTake()) taken++;
    expect(taken).toBe(10); // a fifth of the budget at once
    const times: number[] = [];
    for (let step = 0; step < 60_000; step += 100) {
      clock.advance(100);
      if (budget.tryTake()) times.push(clock.now());
    }
    // The rest of the minute's 50 come evenly, about one every 1.26 s, never more than 50 in the window.
    expect(taken + times.length).toBeLessThanOrEqual(50);
    expect(times.length).toBeGreaterThan(35);
    const gaps = times.slice(1).map((time, index) => time - (times[index] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1200);
  });

  it('keeps a reserve back for calls that matter more', () => {
    const clock = new ManualClock();
    const budget = new CallBudget(5, clock); // one call at a time
    expect(budget.tryTake(1)).toBe(false);
    expect(budget.tryTake()).toBe(true);
  });

  it('never lets more than SEGMIND_RPM calls into any 60 s window, bursts included', async () => {
    const budget = 10;
    const { clock, upstream, gateway } = await startOnManualClock(
      { queueMs: 20_000, processingMs: 60_000 },
      { ...defaultPolling, SEGMIND_RPM: String(budget) },
      cleanup,
    );

    // A burst: 30 jobs at once, three times what one minute allows.
    const jobs = await Promise.all(
      Array.from({ length: 30 }, (_, index) => createJob(gateway, { prompt: `job ${index}` })),
    );
    const finished = () => jobs.every((id) => statusOf(gateway, id) === 'COMPLETED');
    await runUntil(clock, gateway, finished, 40 * 60_000);

    expect(upstream.count('POST')).toBe(30);
    expect(busiestMinute(upstream.calls)).toBeLessThanOrEqual(budget);
    // The budget was really the limit, not an idle poller.
    expect(busiestMinute(upstream.calls)).toBe(budget);
  });

  it('pauses every call until the reset time after a 429', async () => {
    const { clock, upstream, gateway } = await startOnManualClock({ queueMs: 1000, processingMs: 2000 }, {}, cleanup);

    const resetAt = clock.now() + 30_000;
    upstream.faults.rateLimitUntil(resetAt);
    const first = await createJob(gateway);
    const second = await createJob(gateway);
    const done = () => [first, second].every((id) => statusOf(gateway, id) === 'COMPLETED');
    await runUntil(clock, gateway, done, 5 * 60_000);

    // Both submits leave at once and are refused; after that answer, nothing reaches Segmind until the reset.
    const [firstCall] = upstream.calls;
    const early = upstream.calls.filter((call) => call.at < resetAt);
    expect(early.map((call) => call.at)).toEqual([firstCall?.at, firstCall?.at]);
    expect(upstream.calls.filter((call) => call.at >= resetAt).length).toBeGreaterThan(0);
    expect(upstream.count('POST')).toBe(4);
  });
});
