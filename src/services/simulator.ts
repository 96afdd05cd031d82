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
}

/** One call the simulator answered, for tests that count upstream traffic. */
export interface SimulatorCall {
  method: string;
  path: string;
  at: number;
}

interface SimulatedRequest {
  id: string;
  submittedAt: number;
  queueMs: number;
  processingMs: number;
  fails: boolean;
  duration: number;
}

export interface Simulator {
  /** Where it listens, to be used as `SEGMIND_BASE_URL`. */
  url: string;
  /** Every call to the Segmind API, in arrival order (video downloads excluded). */
  calls: SimulatorCall[];
  /** Calls whose path starts so, e.g. `POST /v2/wan-2.6-i2v`. */
  count(prefix: string): number;
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
  const recordTtlMs = options.recordTtlMs ?? 3_600_000;
  const requests = new Map<string, SimulatedRequest>();
  const calls: SimulatorCall[] = [];
  let baseUrl = '';

  const stateOf = (request: SimulatedRequest, now: number) => {
    const elapsed = now - request.submittedAt;
    if (elapsed < request.queueMs) return 'QUEUED';
    if (elapsed < request.queueMs + request.processingMs) return 'PROCESSING';
    return request.fails ? 'FAILED' : 'COMPLETED';
  };

  const answerState = (response: ServerResponse, request: SimulatedRequest, withOutput: boolean) => {
    const now = clock.now();
    const status = stateOf(request, now);
    const metrics = {
      queue_time: request.queueMs / 1000,
      inference_time: request.processingMs / 1000,
    };
    if (status === 'FAILED')
      return json(response, 422, {
        status,
        request_id: request.id,
        error: contentPolicyMessage,
        metrics,
      });
    if (status !== 'COMPLETED')
      return json(response, 200, {
        status,
        request_id: request.id,
        metrics: {},
      });
    if (!withOutput) return json(response, 200, { status, request_id: request.id, metrics });
    const output = `${baseUrl}/sim/videos/${request.id}.mp4`;
    return json(response, 200, {
      status,
      request_id: request.id,
      output,
      video: { url: output, content_type: 'video/mp4' },
      metrics: {
        ...metrics,
        cost: request.duration * costPerVideoSecond,
        remaining_credits: 100,
      },
    });
  };

  const handle = async (incoming: IncomingMessage, response: ServerResponse) => {
    const path = new URL(incoming.url ?? '/', 'http://simulator').pathname;
    const method = incoming.method ?? 'GET';
    if (method === 'GET' && path.startsWith('/sim/videos/')) return serveVideo(incoming, response);
    calls.push({ method, path, at: clock.now() });
    const body = await readBody(incoming);
    if (!incoming.headers['x-api-key'])
      return json(response, 401, {
        error: 'Unauthorized: missing x-api-key header',
      });

    if (method === 'POST' && path === modelPath) {
      if (!incoming.headers['content-type']?.startsWith('application/json')) {
        return json(response, 406, { error: 'Invalid content type' });
      }
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body) as Record<string, unknown>;
      } catch {
        return json(response, 400, { error: 'Request body is not valid JSON' });
      }
      if (typeof input.image !== 'string' || typeof input.prompt !== 'string') {
        return json(response, 400, { error: 'image and prompt are required' });
      }
      const slow = input.prompt.includes('[sim:slow]') ? 10 : 1;
      const id = randomUUID();
      requests.set(id, {
        id,
        submittedAt: clock.now(),
        queueMs: queueMs * slow,
        processingMs: processingMs * slow,
        fails: input.prompt.includes('[sim:fail]'),
        duration: typeof input.duration === 'number' ? input.duration : 5,
      });
      return json(response, 200, {
        request_id: id,
        status: 'QUEUED',
        poll_url: `${baseUrl}/v2/requests/${id}`,
        status_url: `${baseUrl}/v2/requests/${id}/status`,
        response_url: `${baseUrl}/v2/requests/${id}`,
      });
    }

    const match = /^\/v2\/requests\/([^/]+)(\/status)?$/.exec(path);
    if (method === 'GET' && match) {
      const id = decodeURIComponent(match[1] ?? '');
      const request = requests.get(id);
      if (!request || clock.now() - request.submittedAt > recordTtlMs) {
        return json(response, 404, { error: `Request ${id} not found` });
      }
      return answerState(response, request, match[2] === undefined);
    }
    return json(response, 404, { error: `No route for ${method} ${path}` });
  };

  const server = createServer((incoming, response) => {
    handle(incoming, response).catch((error: unknown) => json(response, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  baseUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  return {
    url: baseUrl,
    calls,
    count: (prefix) => calls.filter((call) => `${call.method} ${call.path}`.startsWith(prefix)).length,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
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
