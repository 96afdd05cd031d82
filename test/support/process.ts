import { type ChildProcess, spawn } from 'node:child_process';

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
