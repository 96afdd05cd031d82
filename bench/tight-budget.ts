/**
 * (b) A tight budget, SEGMIND_RPM=50, after 18 warm-up jobs (6 per class): 25 jobs submitted at once (their finishes bunch
 * up), then 75 rolling (25 in flight, each finish launching the next). Per build: detection delay, calls per
 * job, and the budget left idle while jobs found late waited (from the fake Segmind's own log of calls).
 */
import { killHard } from '../harness/process.js';
import {
  type Build,
  compressed,
  compression,
  createJobs,
  fakeSegmind,
  folder,
  gateway,
  inFlightTight,
  jobDetails,
  jobInput,
  log,
  quick,
  type Receipt,
  sizes,
  subscribers,
  verdict,
  waitForAll,
} from './context.js';
import { mean, percentile, round } from './stats.js';
import { jobClasses } from './timing.js';

const callsPerMinute = 50;
/** As (a): six of each class, so that the model knows each class (and the compressed clock) by its samples. */
const warmupJobs = sizes.warmupPerClass * jobClasses.length;
const rollingJobs = quick ? 30 : 75;
/** A job is found late when found more than POLL_TARGET_DELAY_MS (3 s) after Segmind finished it. */
const lateMs = 3000;
const windowMs = 60_000 / compression;

export interface TightRun {
  jobs: number;
  completed: number;
  rateLimited: number;
  callsPerJob: number;
  p50: number;
  p95: number;
  /** Finishes found more than 3 s late. */
  late: number;
  /** Over late finds: calls of the 50 not spent in the minute before the find (Segmind's window). */
  idleMean: number;
  idleMax: number;
  /** Over late finds: calls Segmind's rate (50 a minute) allowed between the finish and the find, not made. */
  waitIdleMean: number;
  waitIdleMax: number;
  /** From the first submit to the last job found, in Segmind's minutes. */
  minutes: number;
}

export type TightBudgetFigures = Awaited<ReturnType<typeof tightBudget>>;

export async function tightBudget(build: Build) {
  log(
    `(b) SEGMIND_RPM=${callsPerMinute}, ${warmupJobs} warm-up jobs, 25 at once, ${rollingJobs} rolling: ${build.label}`,
  );
  const upstream = await fakeSegmind({ callsPerWindow: callsPerMinute });
  const environment = { SEGMIND_RPM: String(callsPerMinute), ...compressed() };
  const server = await gateway(`${folder.path}/tight-${build.label}.sqlite`, upstream, environment, build);
  const warmup = Array.from({ length: warmupJobs }, (_, index) => jobInput(`tight warmup ${index}`, index));
  await waitForAll(server.url, await createJobs(server.url, warmup));

  /** Runs jobs with at most `inFlight` unfinished at once until `total` have finished; measures them. */
  const run = async (name: string, total: number, inFlight: number): Promise<TightRun> => {
    const firstCall = upstream.calls.length;
    let created = 0;
    let finished = 0;
    const ids: string[] = [];
    let allFinished: () => void = () => {};
    const everyJobFinished = new Promise<void>((resolve) => {
      allFinished = resolve;
    });
    const crowd = subscribers(server.url, (receipt) => {
      if (receipt.status !== 'COMPLETED' && receipt.status !== 'FAILED') return;
      finished++;
      if (created < total) void launch(1);
      if (finished === total) allFinished();
    });
    const launch = async (count: number) => {
      const inputs = Array.from({ length: count }, () => jobInput(`tight ${name} ${created}`, created++));
      const launched = await createJobs(server.url, inputs);
      ids.push(...launched);
      crowd.connect(launched);
    };
    const startedAt = Date.now();
    await launch(inFlight);
    await everyJobFinished;
    await crowd.end();
    const calls = upstream.calls.slice(firstCall);
    const requestIds = await Promise.all(ids.map(async (id) => (await jobDetails(server.url, id))?.upstreamRequestId));
    const completed = crowd.receipts.filter((receipt) => receipt.status === 'COMPLETED');
    const found = completed.map((receipt: Receipt) => {
      const requestId = requestIds[ids.indexOf(receipt.id)] ?? '';
      const finishedAt = upstream.finishesAt(requestId) ?? Number.NaN;
      const foundAt = calls.find((call) => call.path.includes(requestId) && call.at >= finishedAt)?.at ?? Number.NaN;
      const calledBefore = calls.filter((call) => call.at > foundAt - windowMs && call.at < foundAt).length;
      const calledWaiting = calls.filter((call) => call.at >= finishedAt && call.at < foundAt).length;
      const allowedWaiting = Math.floor(((foundAt - finishedAt) / windowMs) * callsPerMinute);
      return {
        delayMs: (receipt.receivedAt - finishedAt) * compression,
        idle: Math.max(0, callsPerMinute - calledBefore),
        waitIdle: Math.max(0, allowedWaiting - calledWaiting),
      };
    });
    const late = found.filter((find) => find.delayMs > lateMs);
    if (process.env.BENCH_TRACE) {
      for (const [index, receipt] of completed.entries()) {
        const requestId = requestIds[ids.indexOf(receipt.id)] ?? '';
        const finishedAt = upstream.finishesAt(requestId) ?? Number.NaN;
        const mine = calls.filter((call) => call.path.includes(requestId));
        log(
          `${name} ${receipt.id} delay ${Math.round(found[index]?.delayMs ?? 0)} finish ${Math.round(((finishedAt - startedAt) * compression) / 1000)} calls ${mine.map((call) => Math.round(((call.at - startedAt) * compression) / 1000)).join(' ')}`,
        );
      }
    }
    const delays = found.map((find) => find.delayMs);
    return {
      jobs: ids.length,
      completed: completed.length,
      rateLimited: calls.filter((call) => call.status === 429).length,
      callsPerJob: calls.length / ids.length,
      p50: percentile(delays, 0.5),
      p95: percentile(delays, 0.95),
      late: late.length,
      idleMean: late.length === 0 ? 0 : mean(late.map((find) => find.idle)),
      idleMax: Math.max(0, ...late.map((find) => find.idle)),
      waitIdleMean: late.length === 0 ? 0 : mean(late.map((find) => find.waitIdle)),
      waitIdleMax: Math.max(0, ...late.map((find) => find.waitIdle)),
      minutes: ((Date.now() - startedAt) / 60_000) * compression,
    };
  };

  const atOnce = await run('at once', inFlightTight, inFlightTight);
  const rolling = await run('rolling', rollingJobs, inFlightTight);
  await killHard(server);
  await upstream.close();
  return { atOnce, rolling };
}

export function tightBudgetSection(builds: { build: Build; figures: TightBudgetFigures }[]) {
  const row = (label: string, name: string, b: TightRun) =>
    `| ${label} | ${name} | ${b.rateLimited} | ${b.completed}/${b.jobs} | ${round(b.callsPerJob)} | ${round(b.p50 / 1000)} s | ${round(b.p95 / 1000)} s | ${b.late} | ${round(b.idleMean)} / ${b.idleMax} | ${round(b.waitIdleMean)} / ${b.waitIdleMax} | ${round(b.minutes)} |`;
  const rows = builds.flatMap(({ build, figures }) => [
    row(build.label, `${inFlightTight} at once`, figures.atOnce),
    row(build.label, `${figures.rolling.jobs} rolling`, figures.rolling),
  ]);
  const met = (b: TightRun) => b.rateLimited === 0 && b.completed === b.jobs && b.p95 <= 15_000;
  const verdicts = builds.map(
    ({ build, figures }) =>
      `${build.label}: at once ${verdict(met(figures.atOnce))}, rolling ${verdict(met(figures.rolling))}`,
  );
  return `## (b) Tight budget: SEGMIND_RPM=${callsPerMinute}, after ${warmupJobs} warm-up jobs: ${inFlightTight} submitted at once, then ${rollingJobs} rolling (${inFlightTight} in flight)

| build | run | 429s | completed | calls per job | detection p50 | detection p95 | found > 3 s late | idle calls in the minute before a late find (mean / max) | idle calls while it waited (mean / max) | minutes, first submit to last find |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Idle calls, for each job found more than 3 s after Segmind finished it: the calls of the ${callsPerMinute} that Segmind's
window of the minute before the find left unspent (the gateway counts its window 5 % longer than Segmind's, so
about 2 of 50 always look idle from Segmind's side; a lull before the finish, when nothing was likely done,
counts too), and the calls Segmind's rate allowed between the finish and the find that were not made. Target: zero 429s, every job completes, p95 ≤ 15 s, no idle
budget while a finished job waits. ${verdicts.join('; ')}.
`;
}
