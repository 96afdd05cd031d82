/**
 * (c) Fan-out: many graphql-ws subscriptions on a few jobs, commit-to-receipt delay and the server's memory
 * per subscription, per build.
 */
import { killHard } from '../harness/process.js';
import {
  type Build,
  compressed,
  cpuSeconds,
  createJobs,
  fakeSegmind,
  folder,
  gateway,
  jobInput,
  log,
  type Receipt,
  rssBytes,
  sizes,
  sleep,
  subscribers,
  subscriptionsPerConnection,
  timings,
  verdict,
} from './context.js';
import { percentile, round } from './stats.js';

/** Prompts whose timing is already stretched: the same jobs run once per build. */
const stretched = new Set<string>();

export type FanOutFigures = Awaited<ReturnType<typeof fanOut>>;

/** One build: `sizes.fanConnections` graphql-ws connections of `subscriptionsPerConnection` each. */
export async function fanOut(build: Build) {
  const total = sizes.fanConnections * subscriptionsPerConnection;
  log(
    `(c) fan-out: ${total} subscriptions over ${sizes.fanConnections} connections on ${sizes.fanJobs} jobs: ${build.label}`,
  );
  const upstream = await fakeSegmind();
  const environment = {
    SEGMIND_RPM: '100000',
    ...compressed(),
    MAX_SUBSCRIPTIONS_PER_CONNECTION: String(subscriptionsPerConnection),
  };
  const server = await gateway(`${folder.path}/fanout-${build.label}.sqlite`, upstream, environment, build);
  // Longer jobs than the other runs (compressed 3 times less), so every subscription is in place first.
  const inputs = Array.from({ length: sizes.fanJobs }, (_, index) => jobInput(`fan ${index}`, index));
  for (const input of inputs) {
    const timing = timings.get(input.prompt);
    if (timing && !stretched.has(input.prompt)) {
      timings.set(input.prompt, { queueMs: timing.queueMs * 3, processingMs: timing.processingMs * 3 });
      stretched.add(input.prompt);
    }
  }
  const ids = await createJobs(server.url, inputs);
  await sleep(500);
  const rssBefore = rssBytes(server.gatewayPid);
  const crowd = subscribers(server.url);
  for (let connection = 0; connection < sizes.fanConnections; connection++) {
    crowd.connect(
      Array.from(
        { length: subscriptionsPerConnection },
        (_, n) => ids[(connection * subscriptionsPerConnection + n) % ids.length] as string,
      ),
    );
  }
  const snapshotsBy = Date.now() + 60_000;
  while (new Set(crowd.receipts.map((receipt) => receipt.s)).size < total && Date.now() < snapshotsBy) await sleep(50);
  const subscribedAt = Date.now();
  const rssAfter = rssBytes(server.gatewayPid);
  const cpuBefore = cpuSeconds(server.gatewayPid);
  await crowd.end();
  const cpuUsed = cpuSeconds(server.gatewayPid) - cpuBefore;
  const windowSeconds = (Date.now() - subscribedAt) / 1000;

  const bySubscription = new Map<number, Receipt[]>();
  for (const receipt of crowd.receipts)
    bySubscription.set(receipt.s, [...(bySubscription.get(receipt.s) ?? []), receipt]);
  let missed = 0;
  let duplicated = 0;
  const delays: number[] = [];
  for (const receipts of bySubscription.values()) {
    const versions = receipts.map((receipt) => receipt.version);
    duplicated += versions.length - new Set(versions).size;
    const first = versions[0] ?? 0;
    const last = versions.at(-1) ?? 0;
    missed += last - first + 1 - new Set(versions).size;
    if (receipts.at(-1)?.status !== 'COMPLETED') missed++;
    for (const receipt of receipts.slice(1)) delays.push(receipt.receivedAt - receipt.updatedAt);
  }
  const result = {
    subscriptions: bySubscription.size,
    errors: crowd.receipts.filter((receipt) => receipt.error).length,
    deliveries: delays.length,
    p50: percentile(delays, 0.5),
    p99: percentile(delays, 0.99),
    max: Math.max(...delays),
    missed,
    duplicated,
    rssPerSubscriptionBytes: (rssAfter - rssBefore) / total,
    rssMegabytes: rssAfter / 1024 / 1024,
    cpuPercent: (100 * cpuUsed) / windowSeconds,
    windowSeconds,
  };
  await killHard(server);
  await upstream.close();
  return result;
}

export function fanOutSection(builds: { build: Build; figures: FanOutFigures }[]) {
  const rows = builds.map(
    ({ build, figures: c }) =>
      `| ${build.label} | ${c.subscriptions} | ${c.deliveries} | ${round(c.p50)} ms | ${round(c.p99)} ms | ${round(c.max)} ms | ${c.missed} | ${c.duplicated} | ${c.errors} | ${round(c.rssPerSubscriptionBytes / 1024, 2)} KB | ${round(c.rssMegabytes)} MB | ${round(c.cpuPercent)} % over ${round(c.windowSeconds)} s |`,
  );
  const verdicts = builds.map(
    ({ build, figures: c }) =>
      `${build.label}: ${verdict(c.p99 <= 100 && c.missed === 0 && c.duplicated === 0 && c.rssPerSubscriptionBytes <= 6 * 1024)}`,
  );
  return `## (c) Fan-out: ${sizes.fanConnections * subscriptionsPerConnection} subscriptions over ${sizes.fanConnections} graphql-ws connections on ${sizes.fanJobs} jobs

| build | subscriptions | deliveries | commit → receipt p50 | p99 | max | missed | duplicated | errors | RSS per subscription | server RSS | server CPU |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Target: p99 ≤ 100 ms, nothing missed or duplicated, ≤ 6 KB RSS per subscription. ${verdicts.join('; ')}.
Delay is measured from the job's \`updatedAt\` (set in the committing transaction) to receipt, both on this machine's clock.
`;
}
