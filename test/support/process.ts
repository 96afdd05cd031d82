import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningServer {
  child: ChildProcess;
  /** The GraphQL URL from the ready line. */
  url: string;
  /** The gateway's own process id from the ready line (npm's child, when started through npm). */
  gatewayPid: number;
  readyLine: string;
  output: () => string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
}

/** Starts `command` in its own process group and waits for the gateway's ready line. */
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
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const match = /^(wan-i2v-gateway ready at (http:\/\/\S+\/graphql).*pid (\d+).*)$/m.exec(output);
    if (match) {
      const [, readyLine, url, pid] = match as unknown as [string, string, string, string];
      return { child, url, gatewayPid: Number(pid), readyLine, output: () => output, exited };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
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
  environment?: Record<string, string>;
  /** Wrap the command, e.g. in `unshare`; receives the node command line and returns the one to run. */
  wrap?: (command: string[]) => string[];
}

/** The real gateway as a child process (`node --import tsx src/main.ts`), killable for real. */
export function startGatewayProcess(options: GatewayProcessOptions): Promise<RunningServer> {
  const command = options.wrap?.([process.execPath, '--import', 'tsx', 'src/main.ts']) ?? [
    process.execPath,
    '--import',
    'tsx',
    'src/main.ts',
  ];
  const [program, ...args] = command as [string, ...string[]];
  return startServerProcess(program, args, {
    ...process.env,
    PORT: String(options.port ?? 0),
    DATABASE_PATH: options.databasePath,
    SEGMIND_API_KEY: 'test-key',
    SEGMIND_BASE_URL: options.upstreamUrl,
    POLL_MIN_INTERVAL_MS: '100',
    POLL_MAX_INTERVAL_MS: '200',
    POLL_TARGET_DELAY_MS: '100',
    SEGMIND_RPM: '10000',
    // Bursts of jobs are what many tests are about; the quota tests set their own limits.
    DEFAULT_MAX_ACTIVE_JOBS: '100000',
    DEFAULT_JOBS_PER_MINUTE: '100000',
    LOG_LEVEL: 'warn',
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

export interface GraphQLResult<T> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** One GraphQL operation over HTTP POST. */
export async function graphqlAt<T>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResult<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResult<T>;
}
