import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { segmindModelPath } from '../domain/segmind.js';
import type { Clock } from '../services/clock.js';
import type { Faults } from './faults.js';
import type { SimulatorCall, SimulatorRoute } from './index.js';
import { type Answer, errorAnswer, type Timeline } from './timeline.js';
import { serveVideo } from './video.js';

export interface RoutesOptions {
  clock: Clock;
  timeline: Timeline;
  faults: Faults;
  /** Every API call is appended here as it arrives, and its status once answered. */
  calls: SimulatorCall[];
}

/** How to drop a call instead of answering it. */
type Drop = 'hang' | 'reset';

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

/** An error as Segmind words it; a 429 also says when its limit resets. */
const refusal = (status: number, resetAt: number): Answer => ({
  ...errorAnswer(status, errorTexts[status] ?? `HTTP ${status}`),
  resetAt: status === 429 ? resetAt : undefined,
});

/** The simulator's request handler: Segmind's API (contract section 3) and the sample video. */
export function createRoutes({ clock, timeline, faults, calls }: RoutesOptions): RequestListener {
  const { controls } = faults;

  /** Segmind's answer to one API call, faults included, or how to drop it. */
  const answer = (method: string, path: string, headers: IncomingMessage['headers'], body: string): Answer | Drop => {
    const route: SimulatorRoute =
      method === 'POST'
        ? 'submit'
        : path.endsWith('/status')
          ? 'status'
          : path.startsWith('/v2/requests/')
            ? 'result'
            : 'any';
    const fault = faults.take(route);
    if (fault?.kind === 'hang' || fault?.kind === 'reset') return fault.kind;
    if (fault?.kind === 'status') return refusal(fault.status, clock.now() + 60_000);
    const limitedUntil = faults.rateLimitedUntil();
    if (limitedUntil !== undefined) return refusal(429, limitedUntil);
    if (!headers['x-api-key'] || controls.rejectKey) {
      return errorAnswer(401, 'Unauthorized: missing or invalid x-api-key');
    }

    let handled: Answer;
    const match = /^\/v2\/requests\/([^/]+)(\/status)?$/.exec(path);
    if (method === 'POST' && path === segmindModelPath) handled = submit(headers, body);
    else if (method === 'GET' && match) handled = timeline.report(decodeURIComponent(match[1] ?? ''), !match[2]);
    else handled = errorAnswer(404, `No route for ${method} ${path}`);
    // The call took effect; only its answer is lost on the way back.
    return fault?.kind === 'lose-answer' ? 'reset' : handled;
  };

  const submit = (headers: IncomingMessage['headers'], body: string): Answer => {
    if (!headers['content-type']?.startsWith('application/json')) return errorAnswer(406, 'Invalid content type');
    if (controls.outOfCredits) return errorAnswer(406, 'Insufficient credits');
    return timeline.submit(body);
  };

  return (incoming, response) => {
    const path = new URL(incoming.url ?? '/', 'http://simulator').pathname;
    const method = incoming.method ?? 'GET';
    if (method === 'GET' && path.startsWith('/sim/videos/')) {
      const fault = faults.take('video');
      if (fault?.kind === 'hang') return;
      if (fault?.kind === 'reset' || fault?.kind === 'lose-answer') return void incoming.socket.destroy();
      if (fault?.kind === 'status') return json(response, fault.status, { error: errorTexts[fault.status] });
      // The output link expires with the request's record, as a signed storage URL does.
      const requestId = /^\/sim\/videos\/([^/]+)\.mp4$/.exec(path)?.[1];
      if (requestId === undefined || !timeline.keeps(decodeURIComponent(requestId))) {
        return json(response, 403, { error: 'Request has expired' });
      }
      return serveVideo(incoming, response, fault?.kind === 'stall-midway');
    }
    const call: SimulatorCall = { method, path, at: clock.now() };
    calls.push(call);
    readBody(incoming)
      .then(async (body) => {
        if (method === 'POST') Object.assign(call, submittedOf(body));
        if (controls.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, controls.latencyMs));
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

/** What a test may want to see of a submit: its prompt and media. */
function submittedOf(body: string): Pick<SimulatorCall, 'prompt' | 'media'> {
  try {
    const { prompt, image, audio } = JSON.parse(body) as Record<string, unknown>;
    return { prompt: typeof prompt === 'string' ? prompt : undefined, media: { image, audio } };
  } catch {
    return {};
  }
}

async function readBody(incoming: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
