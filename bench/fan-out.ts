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
  quick,
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
type FanOutRun = FanOutFigures[number];

/** Real time added to each job's queue time: subscribing the largest crowd takes a few seconds. */
const subscribingAllowanceMs = quick ? 5000 : 20_000;

/** Connections one subscriber process drives: more would make the clients, not the server, the bottleneck. */
const connectionsPerProcess = 2500;

/** One build, at each size of `sizes.fanConnections`: that many graphql-ws connections of `subscriptionsPerConnection` each. */
export async function fanOut(build: Build) {
  const runs = [];
  for (const connections of sizes.fanConnections) runs.push(await fanOutAt(build, connections));
  return runs;
}

async function fanOutAt(build: Build, connections: number) {
  const total = connections * subscriptionsPerConnection;
  log(`(c) fan-out: ${total} subscriptions over ${connections} connections on ${sizes.fanJobs} jobs: ${build.label}`);
  const upstream = await fakeSegmind();
  const environment = {
    SEGMIND_RPM: '100000',
    ...compressed(),
    MAX_SUBSCRIPTIONS_PER_CONNECTION: String(subscriptionsPerConnection),
  };
  const server = await gateway(
    `${folder.path}/fanout-${connections}-${build.label}.sqlite`,
    upstream,
    environment,
    build,
  );
  // Longer jobs than the other runs (compressed 3 times less, and queued long enough to subscribe 50,000),
  // so that every subscription is in place before the first change after the submit.
  const inputs = Array.from({ length: sizes.fanJobs }, (_, index) => jobInput(`fan ${index}`, index));
  for (const input of inputs) {
    const timing = timings.get(input.prompt);
    if (timing && !stretched.has(input.prompt)) {
      const queueMs = timing.queueMs * 3 + subscribingAllowanceMs;
      timings.set(input.prompt, { queueMs, processingMs: timing.processingMs * 3 });
      stretched.add(input.prompt);
    }
  }
  const ids = await createJobs(server.url, inputs);
  await sleep(500);
  const rssBefore = rssBytes(server.gatewayPid);
  const subscribed = new Set<number>();
  const crowd = subscribers(server.url, (receipt) => subscribed.add(receipt.s), {
    processes: Math.ceil(connections / connectionsPerProcess),
    hold: true,
  });
  for (let connection = 0; connection < connections; connection++) {
    crowd.connect(
      Array.from(
        { length: subscriptionsPerConnection },
        (_, n) => ids[(connection * subscriptionsPerConnection + n) % ids.length] as string,
      ),
    );
  }
  // The connections alone first (acknowledged, nothing subscribed): what a connection costs.
  const connectedBy = Date.now() + 60_000;
  while (crowd.connected < connections && Date.now() < connectedBy) await sleep(50);
  await sleep(2000);
  const rssConnected = rssBytes(server.gatewayPid);
  crowd.subscribe();
  const snapshotsBy = Date.now() + 120_000;
  while (subscribed.size < total && Date.now() < snapshotsBy) await sleep(50);
  const subscribedAt = Date.now();
  const rssAfter = rssBytes(server.gatewayPid);
  const cpuBefore = cpuSeconds(server.gatewayPid);
  await crowd.end();
  const cpuUsed = cpuSeconds(server.gatewayPid) - cpuBefore;
  const windowSeconds = (Date.now() - subscribedAt) / 1000;

  const bySubscription = new Map<number, Receipt[]>();
  for (const receipt of crowd.receipts) {
    const receipts = bySubscription.get(receipt.s);
    if (receipts) receipts.push(receipt);
    else bySubscription.set(receipt.s, [receipt]);
  }
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
  missed += total - bySubscription.size;
  const result = {
    connections,
    subscriptions: bySubscription.size,
    subscriberProcesses: crowd.pids.length,
    errors: crowd.receipts.filter((receipt) => receipt.error).length,
    deliveries: delays.length,
    p50: percentile(delays, 0.5),
    p99: percentile(delays, 0.99),
    max: delays.reduce((most, delay) => Math.max(most, delay), 0),
    missed,
    duplicated,
    /** All in: connections and subscriptions, per subscription. */
    rssPerSubscriptionBytes: (rssAfter - rssBefore) / total,
    /** Connections alone, acknowledged and idle, per connection. */
    rssPerConnectionBytes: (rssConnected - rssBefore) / connections,
    rssMegabytes: rssAfter / 1024 / 1024,
    cpuPercent: (100 * cpuUsed) / windowSeconds,
    windowSeconds,
  };
  await killHard(server);
  await upstream.close();
  return result;
}

const kilobytes = (bytes: number) => `${round(bytes / 1024, 2)} KB`;

export function fanOutSection(builds: { build: Build; figures: FanOutFigures }[]) {
  const runs = builds.flatMap(({ build, figures }) => figures.map((run) => ({ build, run })));
  runs.sort((one, other) => one.run.connections - other.run.connections);
  const rows = runs.map(
    ({ build, run: c }) =>
      `| ${c.subscriptions} / ${c.connections} | ${build.label} | ${c.deliveries} | ${round(c.p50)} ms | ${round(c.p99)} ms | ${round(c.max)} ms | ${c.missed} | ${c.duplicated} | ${c.errors} | ${kilobytes(c.rssPerSubscriptionBytes)} | ${kilobytes(c.rssPerConnectionBytes)} | ${round(c.rssMegabytes)} MB | ${round(c.cpuPercent)} % over ${round(c.windowSeconds)} s |`,
  );
  const smallest = Math.min(...sizes.fanConnections);
  const verdictOf = (c: FanOutRun) => {
    const delivered = c.p99 <= 100 && c.missed === 0 && c.duplicated === 0;
    return verdict(c.connections === smallest ? delivered && c.rssPerSubscriptionBytes <= 6 * 1024 : delivered);
  };
  const verdicts = runs.map(({ build, run }) => `${build.label} at ${run.subscriptions}: ${verdictOf(run)}`);
  return `## (c) Fan-out: ${sizes.fanConnections.map((connections) => connections * subscriptionsPerConnection).join(' and ')} subscriptions (${subscriptionsPerConnection} per graphql-ws connection) on ${sizes.fanJobs} jobs

| subscriptions / connections | build | deliveries | commit → receipt p50 | p99 | max | missed | duplicated | errors | RSS per subscription, all in | RSS per connection, idle | server RSS | server CPU |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Targets: p99 ≤ 100 ms and nothing missed or duplicated at every size, and ≤ 6 KB RSS per subscription (all in:
connections included) at ${smallest * subscriptionsPerConnection}. ${verdicts.join('; ')}.
Delay is measured from the job's \`updatedAt\` (set in the committing transaction) to receipt, both on this machine's clock.
RSS per connection is read after every connection is acknowledged and before any subscribes; RSS per subscription
after every subscription has its first payload, less the RSS before the first connection; both include garbage
not yet collected and vary by a few KB from run to run (\`bench/connection-memory.ts\` reads the live heap
instead). Subscribers run in
${Math.ceil(Math.max(...sizes.fanConnections) / connectionsPerProcess)} processes at the largest size (${connectionsPerProcess} connections each).
`;
}
