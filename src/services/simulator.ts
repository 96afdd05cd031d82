import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Clock, systemClock } from './clock.js';

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
  /** The HTTP status answered; unset while unanswered, or when the connection was dropped. */
  status?: number | undefined;
}

interface SimulatedRequest {
  id: string;
  submittedAt: number;
  queueMs: number;
  processingMs: number;
  fails: boolean;
  duration: number;
}

/** Which calls a fault applies to. */
export type SimulatorRoute = 'submit' | 'status' | 'result' | 'any';

/** A misbehaviour to act out on coming calls, for tests and for demos of failure handling. */
export type SimulatorFault =
  /** Answer with this HTTP status and an error body (429 carries the reset header, one minute ahead). */
  | { kind: 'status'; status: number }
  /** Drop the connection without an answer, after reading the request. */
  | { kind: 'reset' }
  /** Never answer. */
  | { kind: 'hang' }
  /** Handle the call, but drop the connection instead of sending the answer. */
  | { kind: 'lose-answer' };

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

const sampleVideo = readFileSync(fileURLToPath(new URL('../../assets/sample.mp4', import.meta.url)));
const modelPath = '/v2/wan-2.6-i2v';
const contentPolicyMessage =
  'Content policy violation: the input was flagged by the safety system ([sim:fail] in the prompt).';
/** USD per second of video, roughly Segmind's price for this model at 720p. */
const costPerVideoSecond = 0.1;

/**
 * Segmind's API for this model (contract section 3) on loopback, with a shortened clock, so the gateway
 * runs every code path of its real client without a key or a bill.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clock = options.clock ?? systemClock;
  const queueMs = options.queueMs ?? 3000;
  const processingMs = options.processingMs ?? 17_000;
  const defaultRecordTtlMs = options.recordTtlMs ?? 3_600_000;
  const requests = new Map<string, SimulatedRequest>();
  const calls: SimulatorCall[] = [];
  const scripted: { fault: SimulatorFault; route: SimulatorRoute; remaining: number }[] = [];
  let rateLimitedUntil = 0;
  let baseUrl = '';

  const faults: SimulatorFaults = {
    inject: (fault, count = 1, route = 'any') => {
      scripted.push({ fault, route, remaining: count });
    },
    rateLimitUntil: (time) => {
      rateLimitedUntil = time;
    },
    rejectKey: false,
    outOfCredits: false,
    latencyMs: 0,
    recordTtlMs: defaultRecordTtlMs,
    clear: () => {
      scripted.length = 0;
      rateLimitedUntil = 0;
      Object.assign(faults, { rejectKey: false, outOfCredits: false, latencyMs: 0, recordTtlMs: defaultRecordTtlMs });
    },
  };

  const takeFault = (route: SimulatorRoute): SimulatorFault | undefined => {
    const entry = scripted.find((candidate) => candidate.route === 'any' || candidate.route === route);
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining <= 0) scripted.splice(scripted.indexOf(entry), 1);
    return entry.fault;
  };

  /** Segmind's limit as a sliding log of accepted calls; returns the reset time when this call is over it. */
  const acceptedCallTimes: number[] = [];
  const overRateLimit = (): number | undefined => {
    if (options.callsPerWindow === undefined) return undefined;
    const windowMs = options.rateWindowMs ?? 60_000;
    const now = clock.now();
    while (acceptedCallTimes.length > 0 && (acceptedCallTimes[0] as number) <= now - windowMs)
      acceptedCallTimes.shift();
    if (acceptedCallTimes.length >= options.callsPerWindow) return (acceptedCallTimes[0] as number) + windowMs;
    acceptedCallTimes.push(now);
    return undefined;
  };

  const stateOf = (request: SimulatedRequest) => {
    const elapsed = clock.now() - request.submittedAt;
    if (elapsed < request.queueMs) return 'QUEUED';
    if (elapsed < request.queueMs + request.processingMs) return 'PROCESSING';
    return request.fails ? 'FAILED' : 'COMPLETED';
  };

  const submit = (headers: IncomingMessage['headers'], body: string): Answer => {
    if (!headers['content-type']?.startsWith('application/json')) return errorAnswer(406, 'Invalid content type');
    if (faults.outOfCredits) return errorAnswer(406, 'Insufficient credits');
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return errorAnswer(400, 'Request body is not valid JSON');
    }
    if (typeof input.image !== 'string' || typeof input.prompt !== 'string') {
      return errorAnswer(400, 'image and prompt are required');
    }
    const slow = input.prompt.includes('[sim:slow]') ? 10 : 1;
    const timing = options.timing?.(input) ?? { queueMs, processingMs };
    const id = randomUUID();
    requests.set(id, {
      id,
      submittedAt: clock.now(),
      queueMs: timing.queueMs * slow,
      processingMs: timing.processingMs * slow,
      fails: input.prompt.includes('[sim:fail]'),
      duration: typeof input.duration === 'number' ? input.duration : 5,
    });
    const requestUrl = `${baseUrl}/v2/requests/${id}`;
    return {
      status: 200,
      body: {
        request_id: id,
        status: 'QUEUED',
        poll_url: requestUrl,
        status_url: `${requestUrl}/status`,
        response_url: requestUrl,
      },
    };
  };

  const report = (id: string, withOutput: boolean): Answer => {
    const request = requests.get(id);
    if (!request || clock.now() - request.submittedAt > faults.recordTtlMs) {
      return errorAnswer(404, `Request ${id} not found`);
    }
    const status = stateOf(request);
    const metrics = { queue_time: request.queueMs / 1000, inference_time: request.processingMs / 1000 };
    if (status === 'FAILED')
      return { status: 422, body: { status, request_id: id, error: contentPolicyMessage, metrics } };
    if (status !== 'COMPLETED') return { status: 200, body: { status, request_id: id, metrics: {} } };
    if (!withOutput) return { status: 200, body: { status, request_id: id, metrics } };
    const output = `${baseUrl}/sim/videos/${id}.mp4`;
    const cost = request.duration * costPerVideoSecond;
    return {
      status: 200,
      body: {
        status,
        request_id: id,
        output,
        video: { url: output, content_type: 'video/mp4' },
        metrics: { ...metrics, cost, remaining_credits: 100 },
      },
    };
  };

  /** Segmind's answer to one API call, faults included, or how to drop it ('hang', 'reset'). */
  const answer = (method: string, path: string, headers: IncomingMessage['headers'], body: string): Answer | Drop => {
    const route: SimulatorRoute =
      method === 'POST'
        ? 'submit'
        : path.endsWith('/status')
          ? 'status'
          : path.startsWith('/v2/requests/')
            ? 'result'
            : 'any';
    const fault = takeFault(route);
    if (fault?.kind === 'hang' || fault?.kind === 'reset') return fault.kind;
    if (fault?.kind === 'status') return errorAnswer(fault.status, errorTexts[fault.status], clock.now() + 60_000);
    if (clock.now() < rateLimitedUntil) return errorAnswer(429, errorTexts[429], rateLimitedUntil);
    const limitedUntil = overRateLimit();
    if (limitedUntil !== undefined) return errorAnswer(429, errorTexts[429], limitedUntil);
    if (!headers['x-api-key'] || faults.rejectKey)
      return errorAnswer(401, 'Unauthorized: missing or invalid x-api-key');

    let handled: Answer;
    const match = /^\/v2\/requests\/([^/]+)(\/status)?$/.exec(path);
    if (method === 'POST' && path === modelPath) handled = submit(headers, body);
    else if (method === 'GET' && match) handled = report(decodeURIComponent(match[1] ?? ''), match[2] === undefined);
    else handled = errorAnswer(404, `No route for ${method} ${path}`);
    // The call took effect; only its answer is lost on the way back.
    return fault?.kind === 'lose-answer' ? 'reset' : handled;
  };

  const server = createServer((incoming, response) => {
    const path = new URL(incoming.url ?? '/', 'http://simulator').pathname;
    const method = incoming.method ?? 'GET';
    if (method === 'GET' && path.startsWith('/sim/videos/')) return serveVideo(incoming, response);
    const call: SimulatorCall = { method, path, at: clock.now() };
    calls.push(call);
    readBody(incoming)
      .then(async (body) => {
        if (method === 'POST') call.prompt = promptOf(body);
        if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
        const result = answer(method, path, incoming.headers, body);
        if (result === 'hang') return;
        if (result === 'reset') return void incoming.socket.destroy();
        call.status = result.status;
        if (result.resetAt !== undefined) {
          response.setHeader('x-rate-limit-reset-at-utc', new Date(result.resetAt).toISOString());
        }
        json(response, result.status, result.body);
      })
      .catch((error: unknown) => json(response, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  baseUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  return {
    url: baseUrl,
    calls,
    count: (prefix) => calls.filter((call) => `${call.method} ${call.path}`.startsWith(prefix)).length,
    finishesAt: (requestId) => {
      const request = requests.get(requestId);
      return request && request.submittedAt + request.queueMs + request.processingMs;
    },
    faults,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Answer {
  status: number;
  body: unknown;
  /** For 429: the `x-rate-limit-reset-at-utc` header. */
  resetAt?: number | undefined;
}

type Drop = 'hang' | 'reset';

const errorAnswer = (status: number, message = `HTTP ${status}`, resetAt?: number): Answer => ({
  status,
  body: { error: message },
  resetAt: status === 429 ? resetAt : undefined,
});

const errorTexts: Record<number, string | undefined> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  406: 'Insufficient credits',
  410: 'This model has been retired',
  429: 'Rate limit exceeded',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function promptOf(body: string): string | undefined {
  try {
    const prompt = (JSON.parse(body) as { prompt?: unknown }).prompt;
    return typeof prompt === 'string' ? prompt : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(incoming: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Serves the sample MP4 with byte ranges, which browsers use to play and seek. */
function serveVideo(incoming: IncomingMessage, response: ServerResponse): void {
  const size = sampleVideo.length;
  const range = /^bytes=(\d*)-(\d*)$/.exec(incoming.headers.range ?? '');
  const headers = { 'content-type': 'video/mp4', 'accept-ranges': 'bytes' };
  if (!range) {
    response.writeHead(200, { ...headers, 'content-length': size });
    response.end(incoming.method === 'HEAD' ? undefined : sampleVideo);
    return;
  }
  const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
  const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
  if (start > end || start >= size) {
    response.writeHead(416, { 'content-range': `bytes */${size}` });
    response.end();
    return;
  }
  response.writeHead(206, {
    ...headers,
    'content-range': `bytes ${start}-${end}/${size}`,
    'content-length': end - start + 1,
  });
  response.end(sampleVideo.subarray(start, end + 1));
}
