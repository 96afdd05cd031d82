import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import type { Simulator } from '../src/simulator/index.js';
import { startFakeSegmind, startGateway, type TestGateway } from './support/gateway.js';

/** The CLI as a fresh clone runs it: bin/wan-i2v.js over dist/, which the suite's global setup builds once. */
const cliPath = fileURLToPath(new URL('../bin/wan-i2v.js', import.meta.url));

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The quotas startGateway's server runs with, so that both sides agree on the defaults. */
const serverDefaults = {
  DEFAULT_MAX_ACTIVE_JOBS: '100000',
  DEFAULT_JOBS_PER_MINUTE: '100000',
  DEFAULT_DAILY_SPEND_USD: '',
};

const folder = temporaryDirectory();
const databasePath = join(folder.path, 'data', 'gateway.sqlite');
let upstream: Simulator;
let gateway: TestGateway;

/** `wan-i2v ...args` as a child process whose stdout is a pipe (so JSON unless --no-json). */
function cli(args: string[], environment: Record<string, string> = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [cliPath, ...args], {
    env: { ...process.env, ...serverDefaults, DATABASE_PATH: databasePath, ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a command that must succeed and parses its JSON. */
async function cliJson<T>(args: string[], environment?: Record<string, string>): Promise<T> {
  const run = await cli(args, environment);
  expect(run, run.stderr).toMatchObject({ code: 0 });
  return JSON.parse(run.stdout) as T;
}

interface TokenJson {
  id: number;
  owner: string;
  name: string | null;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface Limits {
  maxActiveJobs: number | null;
  jobsPerMinute: number | null;
  dailySpendUsd: number | null;
}

const createToken = (...args: string[]) => cliJson<{ secret: string; token: TokenJson }>(['tokens', 'create', ...args]);

/** `{ viewer }` over HTTP, with the token as a bearer if given. */
async function viewer(token?: string) {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: '{ viewer { owner scopes limits { maxActiveJobs jobsPerMinute dailySpendUsd } } }' }),
  });
  const body = (await response.json()) as {
    data?: { viewer: { owner: string; scopes: string[]; limits: Limits } };
    errors?: { extensions?: { code?: string } }[];
  };
  return { status: response.status, body };
}

beforeAll(async () => {
  upstream = await startFakeSegmind();
  gateway = await startGateway({ upstream, databasePath, environment: { AUTH_REQUIRED: 'true' } });
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  folder.remove();
});

describe('wan-i2v tokens, on the database of a running gateway', () => {
  it('create prints a wan_ secret once; list shows the token without secret or hash', async () => {
    const { secret, token } = await createToken('--owner', 'alice', '--name', 'laptop');
    expect(secret).toMatch(/^wan_[0-9A-Za-z]{43}$/);
    expect(token).toMatchObject({ owner: 'alice', name: 'laptop', scopes: ['jobs:read', 'jobs:write'] });
    expect(token).toMatchObject({ lastUsedAt: null, revokedAt: null });
    expect(token.id).toBeGreaterThan(0);

    const hash = createHash('sha256').update(secret).digest('hex');
    const list = await cli(['tokens', 'list', '--json']);
    const listed = JSON.parse(list.stdout) as TokenJson[];
    expect(listed.find((entry) => entry.id === token.id)).toEqual(token);
    const text = await cli(['tokens', 'list', '--no-json']);
    expect(text.stdout).toMatch(/^ID\s+OWNER\s+NAME\s+SCOPES\s+CREATED\s+LAST USED\s+REVOKED$/m);
    expect(text.stdout).toMatch(new RegExp(`^${token.id}\\s+alice\\s+laptop\\s+jobs:read,jobs:write\\s`, 'm'));
    for (const output of [list.stdout, text.stdout]) {
      expect(output).not.toContain(secret.slice(4));
      expect(output).not.toContain(hash);
      expect(output).not.toMatch(/secret/i);
    }

    const shown = await cli(['tokens', 'create', '--owner', 'alice', '--scopes', 'admin', '--no-json']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^ {2}wan_[0-9A-Za-z]{43}$/m);
    expect(shown.stdout).toMatch(/cannot be shown again/);
    expect(shown.stdout).toMatch(/^ {2}scopes\s+admin$/m);
  });

  it('a created token opens the gateway at once, none gets 401, and a revoke shuts it at once', async () => {
    const anonymous = await viewer();
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const { secret, token } = await createToken('--owner', 'bob', '--scopes', 'jobs:read');
    const answer = await viewer(secret);
    expect(answer.status).toBe(200);
    expect(answer.body.data?.viewer).toMatchObject({ owner: 'bob', scopes: ['jobs:read'] });

    const revoked = await cliJson<{ token: TokenJson; alreadyRevoked: boolean }>([
      'tokens',
      'revoke',
      String(token.id),
    ]);
    expect(revoked.alreadyRevoked).toBe(false);
    expect(revoked.token.revokedAt).not.toBeNull();
    expect((await viewer(secret)).status).toBe(401);

    const again = await cli(['tokens', 'revoke', String(token.id), '--no-json']);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toMatch(/already revoked.*nothing changed/);
    const listed = await cliJson<TokenJson[]>(['tokens', 'list']);
    expect(listed.find((entry) => entry.id === token.id)).toMatchObject({
      revokedAt: revoked.token.revokedAt,
      lastUsedAt: expect.any(String),
    });
  });

  it("limits sets, shows and clears an owner's quotas, and the gateway applies them", async () => {
    const { secret } = await createToken('--owner', 'carol');
    const set = await cliJson<{ owner: string; limits: Limits; defaults: Limits }>([
      'tokens',
      'limits',
      '--owner',
      'carol',
      '--max-active',
      '3',
      '--jobs-per-minute',
      '7',
      '--daily-spend-usd',
      '2.5',
    ]);
    expect(set).toEqual({
      owner: 'carol',
      limits: { maxActiveJobs: 3, jobsPerMinute: 7, dailySpendUsd: 2.5 },
      defaults: { maxActiveJobs: 100_000, jobsPerMinute: 100_000, dailySpendUsd: null },
    });
    expect((await viewer(secret)).body.data?.viewer.limits).toEqual(set.limits);

    const shown = await cli(['tokens', 'limits', '--owner', 'carol', '--no-json']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^max active jobs\s+3\s+100000$/m);
    expect(shown.stdout).toMatch(/^daily spend \(USD\)\s+2\.5\s+no cap$/m);

    const cleared = await cliJson<{ limits: Limits }>([
      'tokens',
      'limits',
      '--owner',
      'carol',
      '--max-active',
      'default',
    ]);
    const expected = { maxActiveJobs: 100_000, jobsPerMinute: 7, dailySpendUsd: 2.5 };
    expect(cleared.limits).toEqual(expected);
    expect((await viewer(secret)).body.data?.viewer.limits).toEqual(expected);

    const nobody = await cli(['tokens', 'limits', '--owner', 'nobody', '--jobs-per-minute', '1']);
    expect(nobody.code).toBe(0);
    expect(nobody.stderr).toMatch(/no token has owner nobody/);
  });

  it('bad input exits 2 with a message, no stack, and writes nothing', async () => {
    await createToken('--owner', 'dave');
    await cli(['tokens', 'limits', '--owner', 'dave', '--max-active', '4']);
    const state = () =>
      Promise.all([cli(['tokens', 'list']), cli(['tokens', 'limits', '--owner', 'dave'])]).then((runs) =>
        runs.map((run) => run.stdout),
      );
    const before = await state();

    const cases: [string[], RegExp][] = [
      [['tokens', 'create', '--owner', 'Bad Owner'], /--owner.*'Bad Owner' is invalid/],
      [['tokens', 'create', '--owner', 'dave', '--scopes', 'jobs:read,root'], /Unknown scope root; known: jobs:read/],
      [['tokens', 'create', '--owner', 'dave', '--scopes', ','], /Name at least one of/],
      [['tokens', 'create'], /required option '--owner <owner>' not specified/],
      [['tokens', 'revoke', '999999'], /no token with id 999999/],
      [['tokens', 'revoke', 'abc'], /'abc' is invalid.*A token id/],
      [['tokens', 'limits', '--owner', 'dave', '--max-active', 'lots'], /'lots' is invalid/],
      [['tokens', 'limits', '--owner', 'dave', '--max-active', '2', '--daily-spend-usd=-1'], /'-1' is invalid/],
      [['tokens', 'frobnicate'], /unknown command 'frobnicate'/],
      [['tokens'], /Usage: wan-i2v tokens/],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(args)));
    for (const [index, run] of runs.entries()) {
      const [args, message] = cases[index] as [string[], RegExp];
      expect({ args, ...run }).toMatchObject({ args, code: 2, stdout: '', stderr: expect.stringMatching(message) });
      expect(run.stderr).not.toMatch(/^\s+at /m);
    }
    expect(await state()).toEqual(before);
  });

  it('refuses to make a database for a lookup or for bad input, and makes one to store a token', async () => {
    const elsewhere = join(folder.path, 'elsewhere', 'wan-i2v.sqlite');
    const environment = { DATABASE_PATH: elsewhere };
    const list = await cli(['tokens', 'list'], environment);
    expect(list).toMatchObject({ code: 2, stdout: '' });
    expect(list.stderr).toContain(`no database at ${elsewhere}`);
    expect((await cli(['tokens', 'create', '--owner', '-x'], environment)).code).toBe(2);
    expect(existsSync(elsewhere)).toBe(false);

    const { token } = await cliJson<{ token: TokenJson }>(['tokens', 'create', '--owner', 'erin'], environment);
    expect(await cliJson<TokenJson[]>(['tokens', 'list'], environment)).toEqual([token]);
  });

  it('answers --help on every command with exit 0, and says how to clear a limit', async () => {
    const commands = [
      [],
      ['tokens'],
      ['tokens', 'create'],
      ['tokens', 'list'],
      ['tokens', 'revoke'],
      ['tokens', 'limits'],
    ];
    const runs = await Promise.all(commands.map((command) => cli([...command, '--help'])));
    for (const [index, run] of runs.entries()) {
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toContain(`Usage: wan-i2v ${(commands[index] ?? []).join(' ')}`.trimEnd());
    }
    expect(runs.at(-1)?.stdout).toMatch(/--max-active default/);
    expect(runs[0]?.stdout).toMatch(/Exit codes: 0 done, 1 the job failed, 2 usage or connection error/);
  });
});
