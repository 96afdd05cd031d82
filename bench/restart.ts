/**
 * (e) Restart: the gateway started on a database full of active jobs, per build: until it watches them all,
 * what it then costs while nothing changes upstream, and what one dispatch costs among that many jobs.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { killHard } from '../harness/process.js';
import { type Build, cpuSeconds, folder, gateway, log, quick, root, sizes, sleep, verdict } from './context.js';
import { round } from './stats.js';

export type RestartFigures = Awaited<ReturnType<typeof restart>>;

/** Finished jobs in the database too: the duration history the gateway replays at start. */
const historyJobs = 5000;
/** After the ready line, this long before CPU is measured (the first polls, the JIT), then the window. */
const settleMs = quick ? 2000 : 5000;
const cpuWindowMs = quick ? 5000 : 30_000;

/** A Segmind where nothing changes: every job is PROCESSING, forever; it counts the calls. */
async function idleSegmind() {
  const calls: number[] = [];
  const server = createServer((request, response) => {
    calls.push(Date.now());
    const requestId = /^\/v2\/requests\/([^/]+)/.exec(request.url ?? '')?.[1];
    const body = requestId
      ? { status: 'PROCESSING', request_id: requestId, metrics: {} }
      : { status: 'QUEUED', request_id: randomUUID() };
    request.resume().on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())).then(() => {}),
  };
}

/** The active jobs of the database: all submitted, or half of them still PENDING (no room at Segmind). */
const shapes = [
  { label: 'all PROCESSING', submittedShare: 1 },
  { label: 'half PENDING', submittedShare: 0.5 },
] as const;
type Shape = (typeof shapes)[number];

/** A database with `sizes.restartJobs` active jobs of that shape, and a history of finished ones. */
function fillDatabase(path: string, shape: Shape): { submitted: number; pending: number } {
  const database = new SQLite(path);
  const now = Date.now();
  const insertJob = database.prepare(
    `insert into jobs (status, version, prompt, image, duration, resolution, multi_shots, negative_prompt,
       enable_prompt_expansion, input_fingerprint, upstream_request_id, upstream_duration_ms, created_at,
       updated_at, submitted_at)
     values (?, ?, ?, 'https://example.com/cat.png', 5, '720p', 0, '', 1, ?, ?, ?, ?, ?, ?)`,
  );
  const insertPayload = database.prepare(
    "insert into job_payloads (job_id, image) values (?, 'https://example.com/cat.png')",
  );
  const submitted = Math.ceil(sizes.restartJobs * shape.submittedShare);
  database.transaction(() => {
    for (let index = 0; index < historyJobs; index++) {
      const tookMs = 120_000 + (index % 50) * 400;
      insertJob.run('COMPLETED', 4, `done ${index}`, `done ${index}`, `done-${index}`, tookMs, now, now, now);
    }
    for (let index = 0; index < sizes.restartJobs; index++) {
      const row =
        index < submitted
          ? ([
              'PROCESSING',
              3,
              `restart ${index}`,
              `fingerprint ${index}`,
              `request-${index}`,
              null,
              now,
              now,
              now,
            ] as const)
          : (['PENDING', 1, `restart ${index}`, `fingerprint ${index}`, null, null, now, now, null] as const);
      insertPayload.run(insertJob.run(...row).lastInsertRowid);
    }
  })();
  database.close();
  return { submitted, pending: sizes.restartJobs - submitted };
}

/** One build restarted on databases of active jobs, one per shape. */
export async function restart(build: Build) {
  const figures = [];
  for (const shape of shapes) figures.push(await restartOn(build, shape));
  return figures;
}

/** Ready time, idle CPU, and (in-process) dispatch cost, on a database of that shape. */
async function restartOn(build: Build, shape: Shape) {
  log(`(e) restart with ${sizes.restartJobs} active jobs (${shape.label}) in the database: ${build.label}`);
  const upstream = await idleSegmind();
  const databasePath = `${folder.path}/restart-${build.label}-${shape.submittedShare}.sqlite`;
  await killHard(await gateway(databasePath, upstream, {}, build)); // creates and migrates the file
  const { submitted, pending } = fillDatabase(databasePath, shape);
  // Production intervals (POLL_MAX_INTERVAL_MS 15 s, ...), Segmind's own 50 calls a minute.
  const intervals = {
    POLL_MIN_INTERVAL_MS: undefined,
    POLL_MAX_INTERVAL_MS: undefined,
    POLL_TARGET_DELAY_MS: undefined,
  };
  const spawnedAt = Date.now();
  const server = await gateway(databasePath, upstream, { ...intervals, LOG_LEVEL: 'info', SEGMIND_RPM: '50' }, build);
  const readyMs = Date.now() - spawnedAt;
  await sleep(settleMs);
  // Read after the wait: the log line may reach the pipe after the ready line.
  const started = /"watched":(\d+),"loadMs":(\d+)/.exec(server.output());
  const firstCallMs = (upstream.calls[0] ?? Number.NaN) - spawnedAt;
  const cpuBefore = cpuSeconds(server.gatewayPid);
  const callsBefore = upstream.calls.length;
  await sleep(cpuWindowMs);
  const idleCpuPercent = round(((cpuSeconds(server.gatewayPid) - cpuBefore) / (cpuWindowMs / 1000)) * 100, 1);
  const windowCalls = upstream.calls.length - callsBefore;
  await killHard(server);
  await upstream.close();
  const dispatch = JSON.parse(
    execFileSync(
      process.execPath,
      ['--import', 'tsx', 'bench/dispatch-cost.ts', dirname(build.entry), databasePath, quick ? '10' : '30'],
      { cwd: root, encoding: 'utf8' },
    ),
  ) as { startMs: number; nextWorkUs: number; dispatchUs: number; replanMs?: number };
  return {
    shape: shape.label,
    jobs: sizes.restartJobs,
    submitted,
    pending,
    watched: Number(started?.[1]),
    loadMs: Number(started?.[2]),
    readyMs,
    firstCallMs,
    idleCpuPercent,
    windowCalls,
    ...dispatch,
  };
}

export function restartSection(builds: { build: Build; figures: RestartFigures }[]) {
  const rows = builds.flatMap(({ build, figures }) =>
    figures.map(
      (e) =>
        `| ${build.label} | ${e.watched} + ${e.pending} | ${e.loadMs} ms | ${e.readyMs} ms | ${e.firstCallMs} ms | ` +
        `${round(e.nextWorkUs, 1)} µs | ${round(e.dispatchUs, 0)} µs | ${e.replanMs === undefined ? '–' : `${e.replanMs} ms`} | ${e.idleCpuPercent} % (${e.windowCalls} calls) |`,
    ),
  );
  const verdicts = builds.map(({ build, figures }) => {
    const ready = figures.every((e) => e.watched === e.submitted && e.readyMs <= 2000);
    return `${build.label}: ready ${verdict(ready)}, idle CPU ${verdict(figures.every((e) => e.idleCpuPercent < 5))}`;
  });
  return `## (e) Restart with ${sizes.restartJobs} active jobs in the database

Two databases: all ${sizes.restartJobs} jobs PROCESSING (submitted), and half of them PENDING (Segmind has no room for
them: they wait); each with ${historyJobs} finished jobs (the duration history). A Segmind where nothing changes
(every job stays PROCESSING), 50 calls a minute, the production poll intervals. Choosing the next call: \`nextWork\`
of both steps, in-process (bench/dispatch-cost.ts: the build's own poller on the same database), median of
${quick ? 10 : 30} calls; one dispatch adds the call and its record; \`PollStep.replan()\`: median of 5, where the build
has it. Idle CPU: the gateway's user + system time from /proc over ${cpuWindowMs / 1000} s, from ${settleMs / 1000} s after the ready line.

| build | watched + pending | loading them (logged) | process start to ready line | to the first Segmind call | choosing the next call | one dispatch | replan() of all | idle CPU (one core) |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Targets: ≤ 2 s until all are watched; under 5 % of one core idle. ${verdicts.join('; ')}.
`;
}
