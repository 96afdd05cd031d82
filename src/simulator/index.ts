import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { urlHost } from '../http/address.js';
import { type Clock, systemClock } from '../services/clock.js';
import { createFaults } from './faults.js';
import { createRoutes } from './routes.js';
import { Timeline } from './timeline.js';

export interface SimulatorOptions {
  /** How long a job stays QUEUED. @default 3_000 */
  queueMs?: number;
  /** How long a job stays PROCESSING; `[sim:slow]` in the prompt makes the whole job ten times longer. @default 17_000 */
  processingMs?: number;
  /** How long Segmind keeps a request's record. @default 3_600_000 // 1 hour */
  recordTtlMs?: number;
  clock?: Clock;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 // any free port */
  port?: number;
  /** Per-job timing from the submitted input, instead of the fixed clock above (benchmarks spread jobs so). */
  timing?: (input: Record<string, unknown>) => { queueMs: number; processingMs: number };
  /** Segmind's own rate limit: above this many calls in any `rateWindowMs`, answer 429. @default unlimited */
  callsPerWindow?: number;
  /** @default 60_000 */
  rateWindowMs?: number;
}

/** One call the simulator answered, for tests that count upstream traffic. */
export interface SimulatorCall {
  method: string;
  path: string;
  at: number;
  /** For submits: the prompt sent, to tell jobs apart. */
  prompt?: string | undefined;
  /** For submits: the image and audio sent, as given (URLs or base64 data: URIs). */
  media?: { image: unknown; audio: unknown } | undefined;
  /** The HTTP status answered; unset while unanswered, or when the connection was dropped. */
  status?: number | undefined;
}

/** Which calls a fault applies to; `any` means every API call, never `video` (downloads of the output). */
export type SimulatorRoute = 'submit' | 'status' | 'result' | 'video' | 'any';

/** A misbehaviour to act out on coming calls, for tests and for demos of failure handling. */
export type SimulatorFault =
  /** Answer with this HTTP status and an error body (429 carries the reset header, one minute ahead). */
  | { kind: 'status'; status: number }
  /** Drop the connection without an answer, after reading the request. */
  | { kind: 'reset' }
  /** Never answer. */
  | { kind: 'hang' }
  /** Handle the call, but drop the connection instead of sending the answer. */
  | { kind: 'lose-answer' }
  /** Videos only: send the headers and half the bytes, then nothing more. */
  | { kind: 'stall-midway' };

/** Runtime controls of the simulator's behaviour. */
export interface SimulatorFaults {
  /** Act out `fault` on the next `count` calls of `route`. */
  inject(fault: SimulatorFault, count?: number, route?: SimulatorRoute): void;
  /** Until `time`, answer every call 429 with `x-rate-limit-reset-at-utc: time`. */
  rateLimitUntil(time: number): void;
  /** Answer every call 401, as with a wrong key. */
  rejectKey: boolean;
  /** Answer submits 406, as for an account out of credits. */
  outOfCredits: boolean;
  /** Added to every answer. */
  latencyMs: number;
  /** How long a request's record is kept. */
  recordTtlMs: number;
  /** Forget every scripted fault and switch every control off. */
  clear(): void;
}

export interface Simulator {
  /** Where it listens, to be used as `SEGMIND_BASE_URL`. */
  url: string;
  /** Every call to the Segmind API, in arrival order (video downloads excluded). */
  calls: SimulatorCall[];
  /** Calls whose path starts so, e.g. `POST /v2/wan-2.6-i2v`. */
  count(prefix: string): number;
  /** When Segmind finishes (or fails) a request: its submit time plus its queue and processing time. */
  finishesAt(requestId: string): number | undefined;
  faults: SimulatorFaults;
  close(): Promise<void>;
}

/**
 * Segmind's API for this model (contract section 3) on loopback, with a shortened clock, so the gateway
 * runs every code path of its real client without a key or a bill.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clock = options.clock ?? systemClock;
  const queueMs = options.queueMs ?? 3000;
  const processingMs = options.processingMs ?? 17_000;
  const faults = createFaults({
    clock,
    recordTtlMs: options.recordTtlMs ?? 3_600_000,
    callsPerWindow: options.callsPerWindow,
    rateWindowMs: options.rateWindowMs ?? 60_000,
  });
  const calls: SimulatorCall[] = [];

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  const url = `http://${urlHost(address)}:${address.port}`;
  const timeline = new Timeline({
    clock,
    baseUrl: url,
    timing: options.timing ?? (() => ({ queueMs, processingMs })),
    recordTtlMs: () => faults.controls.recordTtlMs,
  });
  // Answers carry absolute URLs, so routes are attached once the port is known; no request is read before.
  server.on('request', createRoutes({ clock, timeline, faults, calls }));

  return {
    url,
    calls,
    count: (prefix) => calls.filter((call) => `${call.method} ${call.path}`.startsWith(prefix)).length,
    finishesAt: (requestId) => timeline.finishesAt(requestId),
    faults: faults.controls,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
