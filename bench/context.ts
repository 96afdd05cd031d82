/**
 * What every scenario of the benchmark shares: sizes, time compression, the fake Segmind with per-prompt
 * timings, the gateway process of a build, clients, and /proc readings.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { graphqlAt } from '../harness/graphql.js';
import { startGatewayProcess } from '../harness/process.js';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import { type Simulator, startSimulator } from '../src/simulator/index.js';
import { jobClasses, random, segmindTiming } from './timing.js';

export const quick = process.argv.includes('--quick');
export const root = fileURLToPath(new URL('..', import.meta.url));

/** Segmind's time runs this many times faster in the fake; every figure is reported in Segmind's time. */
export const compression = quick ? 40 : 10;
export const sizes = quick
  ? {
      warmupPerClass: 5,
      measured: 6,
      fanJobs: 10,
      fanConnections: [100, 500],
      loadTotal: 500,
      restartJobs: 2000,
    }
  : {
      warmupPerClass: 6,
      measured: 30,
      fanJobs: 100,
      fanConnections: [1000, 5000],
      loadTotal: 5000,
      restartJobs: 100_000,
    };
export const subscriptionsPerConnection = 10;
export const inFlightTight = 25;

/** The gateway's timing settings, compressed like Segmind's clock. */
export const compressed = (maxIntervalMs = 15_000) => ({
  POLL_MIN_INTERVAL_MS: String(1000 / compression),
  POLL_MAX_INTERVAL_MS: String(maxIntervalMs / compression),
  POLL_TARGET_DELAY_MS: String(3000 / compression),
  SEGMIND_RATE_WINDOW_MS: String(60_000 / compression),
});

export const folder = temporaryDirectory();
export const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Per-prompt timings, drawn once, so the gateway and the SDK pattern get the very same jobs. */
export const timings = new Map<string, { queueMs: number; processingMs: number }>();
export const draw = random(2026);
export function jobInput(prompt: string, index: number) {
  const jobClass = jobClasses[index % jobClasses.length] as (typeof jobClasses)[number];
  const input = {
    image: 'https://example.com/cat.png',
    prompt,
    duration: jobClass.duration,
    resolution: jobClass.resolution,
  };
  // Drawn once per prompt: both builds of a side-by-side run get the very same jobs.
  if (!timings.has(prompt)) timings.set(prompt, segmindTiming(input, draw, compression));
  return input;
}
export const fakeSegmind = (options: { callsPerWindow?: number } = {}) =>
  startSimulator({
    timing: (input) => timings.get(String(input.prompt)) ?? { queueMs: 100, processingMs: 1000 },
    callsPerWindow: options.callsPerWindow,
    rateWindowMs: 60_000 / compression,
  });

export const createMutation =
  'mutation ($input: CreateVideoInput!) { createVideo(input: $input) { ... on CreateVideoSuccess { job { id } } } }';

export async function createJobs(url: string, inputs: Record<string, unknown>[]): Promise<string[]> {
  return Promise.all(
    inputs.map(async (input) => {
      const answer = await graphqlAt<{ createVideo: { job: { id: string } } }>(url, createMutation, {
        input: { ...input, resolution: input.resolution === '1080p' ? 'RES_1080P' : 'RES_720P' },
      });
      const id = answer.data?.createVideo.job?.id;
      if (!id) throw new Error(`createVideo failed: ${JSON.stringify(answer)}`);
      return id;
    }),
  );
}

export async function jobDetails(url: string, id: string) {
  const answer = await graphqlAt<{ videoJob: { status: string; upstreamRequestId: string | null } }>(
    url,
    'query ($id: ID!) { videoJob(id: $id) { status upstreamRequestId } }',
    { id },
  );
  return answer.data?.videoJob;
}

export async function waitForAll(url: string, ids: string[], status = 'COMPLETED'): Promise<void> {
  for (;;) {
    const details = await Promise.all(ids.map((id) => jobDetails(url, id)));
    if (details.every((job) => job?.status === status || job?.status === 'FAILED')) return;
    await sleep(100);
  }
}

export interface Receipt {
  s: number;
  id: string;
  version: number;
  status: string;
  updatedAt: number;
  receivedAt: number;
  error?: string;
}

/**
 * Subscriber processes (`processes` of them, so that the clients' side is not what limits delays): `connect`
 * adds a connection with its subscriptions, round robin; `end` waits for all to complete. With `hold`,
 * connections subscribe only on `subscribe()`, and `connected` counts the acknowledged ones before that.
 */
export function subscribers(
  url: string,
  onReceipt: (receipt: Receipt) => void = () => {},
  { processes = 1, hold = false }: { processes?: number; hold?: boolean } = {},
) {
  const receipts: Receipt[] = [];
  let connected = 0;
  const children = Array.from({ length: processes }, (_, index) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/subscriber.ts'], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const done = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const message = JSON.parse(line) as Receipt | { done: true } | { connected: true };
        if ('done' in message) return resolve();
        if ('connected' in message) {
          connected++;
          return;
        }
        receipts.push(message);
        onReceipt(message);
      });
    });
    child.stdin.write(`${JSON.stringify({ url })}\n${JSON.stringify({ first: index * 10_000_000 })}\n`);
    if (hold) child.stdin.write(`${JSON.stringify({ hold: true })}\n`);
    return { child, done };
  });
  let next = 0;
  return {
    receipts,
    pids: children.map(({ child }) => child.pid as number),
    get connected() {
      return connected;
    },
    connect: (ids: string[]) => {
      const { child } = children[next++ % children.length] as (typeof children)[number];
      child.stdin.write(`${JSON.stringify(ids)}\n`);
    },
    subscribe: () => {
      for (const { child } of children) child.stdin.write(`${JSON.stringify({ subscribe: true })}\n`);
    },
    end: async () => {
      for (const { child } of children) child.stdin.end();
      await Promise.all(children.map(({ done }) => done));
    },
  };
}

export const rssBytes = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
export const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
};

/** A build of the gateway a scenario runs: this checkout's, or today's baseline for the side-by-side figures. */
export interface Build {
  /** How the report names it. */
  label: string;
  /** Its `dist/main.js`. */
  entry: string;
}

export const current: Build = { label: 'now', entry: `${root}dist/main.js` };

/** The gateway as `npm start` runs it: the built JavaScript (built once, before the first run). */
export async function gateway(
  databasePath: string,
  upstream: Pick<Simulator, 'url'>,
  /** Over the test environment; a setting given as undefined is left to the gateway's own default. */
  environment: Record<string, string | undefined>,
  build: Build = current,
) {
  return startGatewayProcess({
    entry: build.entry,
    databasePath,
    upstreamUrl: upstream.url,
    // Segmind's own call time limit, not the tests' 5 s: a call slowed by load is not a hung one.
    environment: { SEGMIND_TIMEOUT_MS: undefined, ...environment },
  });
}

/** Segmind calls made for one request id (its polls), plus its submit. */
export const callsFor = (upstream: Simulator, requestId: string) =>
  upstream.calls.filter((call) => call.path.includes(requestId)).length + 1;

export function verdict(met: boolean) {
  return met ? 'met' : '**missed**';
}
