import { randomUUID } from 'node:crypto';
import type { Clock } from '../services/clock.js';

/** Segmind's answer to one call as plain values; the routes write it as HTTP. */
export interface Answer {
  status: number;
  body: unknown;
  /** For 429: the `x-rate-limit-reset-at-utc` header. */
  resetAt?: number | undefined;
}

export const errorAnswer = (status: number, message: string): Answer => ({ status, body: { error: message } });

export interface TimelineOptions {
  clock: Clock;
  /** Where the simulator listens: answers carry absolute URLs. */
  baseUrl: string;
  /** How long a new request stays QUEUED, then PROCESSING (before `[sim:slow]` stretches both). */
  timing: (input: Record<string, unknown>) => { queueMs: number; processingMs: number };
  /** How long a record is kept; read at every look-up, since tests change it while running. */
  recordTtlMs: () => number;
}

interface SimulatedRequest {
  submittedAt: number;
  queueMs: number;
  processingMs: number;
  fails: boolean;
  duration: number;
}

const contentPolicyMessage =
  'Content policy violation: the input was flagged by the safety system ([sim:fail] in the prompt).';
/** USD per second of video, roughly Segmind's price for this model at 720p. */
const costPerVideoSecond = 0.1;

/** Segmind's requests, each moving QUEUED -> PROCESSING -> COMPLETED (or FAILED) as the clock runs. */
export class Timeline {
  private readonly requests = new Map<string, SimulatedRequest>();

  constructor(private readonly options: TimelineOptions) {}

  /** Starts a request from a submit's body: 200 with its URLs, or 400 for a body without image and prompt. */
  submit(body: string): Answer {
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
    const timing = this.options.timing(input);
    const id = randomUUID();
    this.requests.set(id, {
      submittedAt: this.options.clock.now(),
      queueMs: timing.queueMs * slow,
      processingMs: timing.processingMs * slow,
      fails: input.prompt.includes('[sim:fail]'),
      duration: typeof input.duration === 'number' ? input.duration : 5,
    });
    const requestUrl = `${this.options.baseUrl}/v2/requests/${id}`;
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
  }

  /** Whether Segmind still keeps this request: its record and its output go together after `recordTtlMs`. */
  keeps(id: string): boolean {
    const request = this.requests.get(id);
    return request !== undefined && this.options.clock.now() - request.submittedAt <= this.options.recordTtlMs();
  }

  /** The answer to a status call, or with `withOutput` to a result call (the video URL and the cost). */
  report(id: string, withOutput: boolean): Answer {
    const request = this.requests.get(id);
    if (!request || !this.keeps(id)) return errorAnswer(404, `Request ${id} not found`);
    const status = this.stateOf(request);
    const metrics = { queue_time: request.queueMs / 1000, inference_time: request.processingMs / 1000 };
    if (status === 'FAILED')
      return { status: 422, body: { status, request_id: id, error: contentPolicyMessage, metrics } };
    if (status !== 'COMPLETED') return { status: 200, body: { status, request_id: id, metrics: {} } };
    if (!withOutput) return { status: 200, body: { status, request_id: id, metrics } };
    const output = `${this.options.baseUrl}/sim/videos/${id}.mp4`;
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
  }

  /** When a request finishes (or fails): its submit time plus its queue and processing time. */
  finishesAt(id: string): number | undefined {
    const request = this.requests.get(id);
    return request && request.submittedAt + request.queueMs + request.processingMs;
  }

  private stateOf(request: SimulatedRequest): 'QUEUED' | 'PROCESSING' | 'COMPLETED' | 'FAILED' {
    const elapsed = this.options.clock.now() - request.submittedAt;
    if (elapsed < request.queueMs) return 'QUEUED';
    if (elapsed < request.queueMs + request.processingMs) return 'PROCESSING';
    return request.fails ? 'FAILED' : 'COMPLETED';
  }
}
