/**
 * (a) Upstream calls per job and detection delay against the SDK's own pattern, per build, so today's figures
 * stand beside the new ones; (b), a tight budget, is in tight-budget.ts.
 */
import { killHard } from '../harness/process.js';
import {
  type Build,
  callsFor,
  compressed,
  compression,
  createJobs,
  fakeSegmind,
  folder,
  gateway,
  jobDetails,
  jobInput,
  log,
  sizes,
  sleep,
  subscribers,
  verdict,
  waitForAll,
} from './context.js';
import { mean, percentile, round } from './stats.js';
import { jobClasses } from './timing.js';

export interface PollingFigures {
  callsPerJob: number;
  p50: number;
  p95: number;
}

/** The duration model (a) teaches a build, which its (b) then uses. */
const learnedDatabase = (build: Build) => `${folder.path}/learned-${build.label}.sqlite`;

// (a) -----------------------------------------------------------------------------------------------------
/** Calls per job and detection delay of one build, at two freshness floors. */
export async function efficiency(build: Build): Promise<Record<string, PollingFigures>> {
  log(`(a) calls per job and detection delay: ${build.label}`);
  const upstream = await fakeSegmind();
  const databasePath = learnedDatabase(build);
  const runs: Record<string, PollingFigures> = {};

  for (const maxIntervalMs of [15_000, 30_000]) {
    const environment = { SEGMIND_RPM: '100000', ...compressed(maxIntervalMs) };
    const server = await gateway(databasePath, upstream, environment, build);
    if (maxIntervalMs === 15_000) {
      const warmup = jobClasses.flatMap((_, classIndex) =>
        Array.from({ length: sizes.warmupPerClass }, (_, n) => jobInput(`warmup ${classIndex}-${n}`, classIndex)),
      );
      await waitForAll(server.url, await createJobs(server.url, warmup));
      log(`    model taught by ${warmup.length} warm-up jobs`);
    }
    const inputs = Array.from({ length: sizes.measured }, (_, index) =>
      jobInput(`measured ${maxIntervalMs} ${index}`, index),
    );
    const crowd = subscribers(server.url);
    const ids = await createJobs(server.url, inputs);
    crowd.connect(ids);
    await crowd.end();
    const requestIds = await Promise.all(
      ids.map(async (id) => (await jobDetails(server.url, id))?.upstreamRequestId ?? ''),
    );
    const delays = ids.map((id, index) => {
      const completed = crowd.receipts.find((receipt) => receipt.id === id && receipt.status === 'COMPLETED');
      const finishedAt = upstream.finishesAt(requestIds[index] as string) ?? Number.NaN;
      return ((completed?.receivedAt ?? Number.NaN) - finishedAt) * compression;
    });
    runs[`POLL_MAX_INTERVAL_MS=${maxIntervalMs}`] = {
      callsPerJob: mean(requestIds.map((requestId) => callsFor(upstream, requestId))),
      p50: percentile(delays, 0.5),
      p95: percentile(delays, 0.95),
    };
    await killHard(server);
  }
  await upstream.close();
  return runs;
}

/** The SDK's pattern on the same jobs: submit, then poll each job every 2 s until it is done. */
export async function sdkPattern(): Promise<PollingFigures> {
  log('(a) calls per job and detection delay: the SDK pattern');
  const direct = await fakeSegmind();
  const sdk = await Promise.all(
    Array.from({ length: sizes.measured }, async (_, index) => {
      const prompt = `measured 15000 ${index}`;
      const submitted = await fetch(`${direct.url}/v2/wan-2.6-i2v`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'bench' },
        body: JSON.stringify({ image: 'https://example.com/cat.png', prompt }),
      });
      const { request_id: requestId } = (await submitted.json()) as { request_id: string };
      for (;;) {
        await sleep(2000 / compression);
        const polled = await fetch(`${direct.url}/v2/requests/${requestId}`, { headers: { 'x-api-key': 'bench' } });
        if (((await polled.json()) as { status: string }).status === 'COMPLETED') {
          return {
            calls: callsFor(direct, requestId),
            delay: (Date.now() - (direct.finishesAt(requestId) ?? 0)) * compression,
          };
        }
      }
    }),
  );
  const sdkDelays = sdk.map((job) => job.delay);
  await direct.close();
  return {
    callsPerJob: mean(sdk.map((job) => job.calls)),
    p50: percentile(sdkDelays, 0.5),
    p95: percentile(sdkDelays, 0.95),
  };
}

// report --------------------------------------------------------------------------------------------------
export function efficiencySection(
  builds: { build: Build; runs: Record<string, PollingFigures> }[],
  sdk: PollingFigures,
) {
  const row = (name: string, run: PollingFigures) =>
    `| ${name} | ${round(run.callsPerJob)} | ${round(sdk.callsPerJob / run.callsPerJob)}x | ${round(run.p50 / 1000)} s | ${round(run.p95 / 1000)} s |`;
  const rows = builds.flatMap(({ build, runs }) =>
    Object.entries(runs).map(([name, run]) => row(`${build.label}, ${name}`, run)),
  );
  const verdicts = builds.flatMap(({ build, runs }) =>
    Object.entries(runs).map(
      ([name, run]) => `${build.label}, ${name}: ${verdict(run.callsPerJob * 8 <= sdk.callsPerJob && run.p95 <= 3000)}`,
    ),
  );
  return `## (a) Calls per job and detection delay (${sizes.measured} jobs, after ${sizes.warmupPerClass * jobClasses.length} warm-up jobs taught the model)

| who | upstream calls per job | fewer calls than the SDK | detection p50 | detection p95 |
| --- | --- | --- | --- | --- |
${rows.join('\n')}
${row('SDK pattern (poll every 2 s)', sdk)}

Target: at least 8x fewer calls than the SDK pattern with p95 ≤ 3 s. ${verdicts.join('; ')}.
`;
}
