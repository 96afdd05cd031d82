/** Request scenarios: (d) createVideo throughput with and without tokens, (f) an oversized body. */
import { execFileSync, spawn } from 'node:child_process';
import { graphqlAt } from '../harness/graphql.js';
import { killHard } from '../harness/process.js';
import { fakeSegmind, folder, gateway, log, quick, root, rssBytes, sizes, verdict } from './context.js';
import { sendOversizedBody } from './oversized-body.js';
import { percentile, round } from './stats.js';

// (d) -----------------------------------------------------------------------------------------------------
export async function throughput() {
  log(`(d) createVideo throughput, ${sizes.loadTotal} mutations at 64 and at 256 concurrent clients, synchronous=FULL`);
  const upstream = await fakeSegmind();
  const runs = [];
  const cases = [
    { access: 'open', owners: 1 },
    { access: 'token', owners: 1 },
    { access: 'token', owners: 64 },
  ] as const;
  for (const { access, owners } of cases) {
    const databasePath = `${folder.path}/load-${access}-${owners}.sqlite`;
    // An admin token made as an operator makes one (the CLI, on the server's database); the owners' tokens through it.
    const admin = access === 'token' ? makeToken(databasePath) : undefined;
    const server = await gateway(databasePath, upstream, {
      SEGMIND_RPM: '50',
      AUTH_REQUIRED: String(access === 'token'),
      // Many owners: the contract's default quotas, which the run stays within; one owner: quotas lifted.
      ...(owners > 1 ? { DEFAULT_MAX_ACTIVE_JOBS: '200', DEFAULT_JOBS_PER_MINUTE: '200' } : {}),
    });
    const tokens = admin && owners > 1 ? await ownerTokens(server.url, admin, owners) : admin ? [admin] : [];
    for (const concurrency of [64, 256]) {
      runs.push({ access, owners, ...(await loadRun(server.url, concurrency, tokens)) });
    }
    await killHard(server);
  }
  await upstream.close();
  return runs;
}

/** `count` tokens of as many owners, made with the admin mutation. */
async function ownerTokens(url: string, admin: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let index = 0; index < count; index++) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({
        query: `mutation { createApiToken(input: { owner: "app-${index}" }) { ... on CreateApiTokenSuccess { secret } } }`,
      }),
    });
    tokens.push(
      ((await response.json()) as { data: { createApiToken: { secret: string } } }).data.createApiToken.secret,
    );
  }
  return tokens;
}

/** An admin token for owner `bench`, made by `wan-i2v tokens create` on that database. */
function makeToken(databasePath: string): string {
  const output = execFileSync(
    process.execPath,
    ['bin/wan-i2v.js', 'tokens', 'create', '--owner', 'bench', '--scopes', 'admin', '--json'],
    {
      cwd: root,
      env: { ...process.env, DATABASE_PATH: databasePath },
    },
  );
  return (JSON.parse(output.toString()) as { secret: string }).secret;
}

/** One load run from another process: createVideo at `concurrency`, with the tokens when given. */
async function loadRun(url: string, concurrency: number, tokens: readonly string[]) {
  const output = await new Promise<string>((resolve) => {
    const args = ['--import', 'tsx', 'bench/load.ts', url, String(sizes.loadTotal), String(concurrency)];
    if (tokens.length > 0) args.push(tokens.join(','));
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.on('exit', () => resolve(text));
  });
  const load = JSON.parse(output) as { ok: number; failed: number; seconds: number; latenciesMs: number[] };
  return {
    concurrency,
    ok: load.ok,
    failed: load.failed,
    perSecond: load.ok / load.seconds,
    p50: percentile(load.latenciesMs, 0.5),
    p99: percentile(load.latenciesMs, 0.99),
  };
}

// (f) -----------------------------------------------------------------------------------------------------
export async function oversizedBodies() {
  const megabytes = quick ? 50 : 200;
  log(`(f) a ${megabytes} MB body against MAX_REQUEST_BYTES (40 MB): time to the 413 and the server's RSS growth`);
  const upstream = await fakeSegmind();
  const server = await gateway(`${folder.path}/bodies.sqlite`, upstream, {});
  const runs = [];
  for (const framing of ['content-length', 'chunked'] as const) {
    const rssBefore = rssBytes(server.gatewayPid);
    const answer = await sendOversizedBody(server.url, megabytes * 1024 ** 2, framing);
    runs.push({ framing, ...answer, rssGrowthBytes: rssBytes(server.gatewayPid) - rssBefore });
  }
  const stillServing = (await graphqlAt<{ viewer: { owner: string } }>(server.url, '{ viewer { owner } }')).data;
  await killHard(server);
  await upstream.close();
  return { megabytes, runs, stillServing: stillServing?.viewer.owner === 'local' };
}

/** How much slower token-authenticated createVideo is than open access, at 256 clients (0.05 = 5 %). */
function tokenCost(runs: { access: string; owners: number; concurrency: number; perSecond: number }[]): number {
  const at256 = (access: string) =>
    runs.find((run) => run.access === access && run.owners === 1 && run.concurrency === 256)?.perSecond ?? 0;
  return 1 - at256('token') / Math.max(1, at256('open'));
}

export function throughputSection(d: Awaited<ReturnType<typeof throughput>>) {
  return `## (d) createVideo throughput (synchronous=FULL, ${sizes.loadTotal} mutations per run, load from another process on the same 2 cores)

| access | owners | concurrent clients | accepted | failed | per second | latency p50 | latency p99 |
| --- | --- | --- | --- | --- | --- | --- | --- |
${d.map((run) => `| ${run.access} | ${run.owners} | ${run.concurrency} | ${run.ok} | ${run.failed} | ${round(run.perSecond, 0)} | ${round(run.p50)} ms | ${round(run.p99)} ms |`).join('\n')}

Targets: ≥ 3,000 per second: ${verdict(d.some((run) => run.perSecond >= 3000))}; with token auth within 10 % of open access at 256 clients (one owner each): ${verdict(tokenCost(d) <= 0.1)} (${tokenCost(d) >= 0 ? `${round(tokenCost(d) * 100, 1)} % slower` : `${round(-tokenCost(d) * 100, 1)} % faster, within noise`}).
Concurrent mutations are committed together (one fsync for a batch), with statements prepared once. \`token\`:
\`AUTH_REQUIRED=true\`, each request with a Bearer token (its hash lookup is cached); the admin token is made by
\`wan-i2v tokens create\`, the 64 owners' tokens through \`createApiToken\`. Every job's owner quotas are checked in
the storing transaction: with one owner (quotas lifted so 5,000 jobs fit) each check counts all of its active jobs
and jobs of the last minute, thousands; with 64 owners under quotas of 200, a check counts at most its limit.
`;
}

export function oversizedBodiesSection(f: Awaited<ReturnType<typeof oversizedBodies>>) {
  return `## (f) A ${f.megabytes} MB body against MAX_REQUEST_BYTES (40 MB)

| framing | status | time to the answer | body sent by then | server RSS growth |
| --- | --- | --- | --- | --- |
${f.runs.map((run) => `| ${run.framing} | ${run.status} | ${round(run.ms)} ms | ${round(run.sentBytes / 1024 ** 2, 1)} MB | ${round(run.rssGrowthBytes / 1024 ** 2, 2)} MB |`).join('\n')}

Target, for a body that says its size (Content-Length, as browsers and HTTP clients send JSON and forms): 413 in
< 50 ms with < 5 MB RSS growth, and the server keeps serving: ${verdict(f.stillServing && f.runs.every((run) => run.status === 413) && f.runs.filter((run) => run.framing === 'content-length').every((run) => run.ms < 50 && run.rssGrowthBytes < 5 * 1024 ** 2))}.
A chunked body does not say its size: it is read until it passes the cap and cut off there, so the server holds
up to \`MAX_REQUEST_BYTES\` of it for that moment, as it would for any body under the cap.
`;
}
