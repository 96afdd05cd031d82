import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { projectRoot } from './build.js';
import { testEnvironment } from './test-environment.js';

export interface RunningServer {
  child: ChildProcess;
  /** The GraphQL URL from the ready line. */
  url: string;
  /** The gateway's own process id from the ready line (npm's child, when started through npm). */
  gatewayPid: number;
  readyLine: string;
  /** Everything the process wrote so far, stdout and stderr. */
  output: () => string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
}

const readyLinePattern = /^(wan-i2v-gateway ready at (http:\/\/\S+\/graphql).*pid (\d+).*)$/m;

/** Starts `command` in its own process group and resolves when the gateway prints its ready line. */
export async function startServerProcess(
  command: string,
  args: string[],
  environment: Record<string, string | undefined>,
  readyTimeoutMs = 120_000,
): Promise<RunningServer> {
  const child = spawn(command, args, {
    cwd: projectRoot,
    env: environment as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  let readyLineSeen = () => {};
  const ready = new Promise<void>((resolve) => {
    readyLineSeen = resolve;
  });
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (readyLinePattern.test(output)) readyLineSeen();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });

  let readyTimer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      // 'close' comes after the last output, so a ready line printed just before exiting is still seen.
      new Promise((_, reject) => child.once('close', () => reject(new Error(`it exited:\n${output}`)))),
      new Promise((_, reject) => child.once('error', reject)),
      new Promise((_, reject) => {
        const timedOut = () => reject(new Error(`no ready line within ${readyTimeoutMs} ms:\n${output}`));
        readyTimer = setTimeout(timedOut, readyTimeoutMs);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`server did not become ready: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(readyTimer);
  }
  const [, readyLine, url, pid] = readyLinePattern.exec(output) as unknown as [string, string, string, string];
  return { child, url, gatewayPid: Number(pid), readyLine, output: () => output, exited };
}

/** Sends `signal` to the whole process group (npm and the node process it started). */
export function signalGroup(server: RunningServer, signal: NodeJS.Signals): void {
  if (server.child.pid !== undefined) process.kill(-server.child.pid, signal);
}

export interface GatewayProcessOptions {
  databasePath: string;
  upstreamUrl: string;
  /** A fixed port, so that a restarted gateway is found where clients left it. @default 0 */
  port?: number;
  /** Settings over the test environment; one set to undefined is left to the gateway's own default. */
  environment?: Record<string, string | undefined>;
  /** The built gateway to run. @default this checkout's dist/main.js */
  entry?: string;
  /** Wrap the command, e.g. in `unshare`; receives the node command line and returns the one to run. */
  wrap?: (command: string[]) => string[];
}

const builtEntry = join(projectRoot, 'dist', 'main.js');

/**
 * The built gateway as a child process (`node dist/main.js`, as `npm start` runs it), killable for real.
 * dist/ must be built first: `npm run build` (harness/build.ts; the tests' global setup runs it).
 */
export function startGatewayProcess(options: GatewayProcessOptions): Promise<RunningServer> {
  const entry = options.entry ?? builtEntry;
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const node = [process.execPath, entry];
  const [program, ...args] = (options.wrap?.(node) ?? node) as [string, ...string[]];
  return startServerProcess(program, args, {
    ...process.env,
    ...testEnvironment(options.upstreamUrl),
    PORT: String(options.port ?? 0),
    DATABASE_PATH: options.databasePath,
    MEDIA_DIR: join(dirname(options.databasePath), 'media'),
    ...options.environment,
  });
}

/** A loopback port that is free now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** kill -9, and wait until the process is gone. */
export async function killHard(server: RunningServer): Promise<void> {
  server.child.kill('SIGKILL');
  await server.exited;
}
