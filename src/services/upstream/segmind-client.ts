import { Agent, request } from 'undici';
import { z } from 'zod';
import type { Resolution } from '../../domain/job.js';
import { segmindModelPath } from '../../domain/segmind.js';
import { jsonBody, type StreamedString } from './json-body.js';
import { errorText, jobState } from './segmind-answers.js';
import { toUpstreamError, UpstreamError, type UpstreamErrorCode } from './upstream-error.js';

/** The model's input as Segmind spells it (contract section 3). */
export interface SegmindInput {
  image: string | StreamedString;
  prompt: string;
  audio?: string | StreamedString | undefined;
  duration: number;
  resolution: Resolution;
  multi_shots: boolean;
  negative_prompt: string;
  enable_prompt_expansion: boolean;
  seed?: number | undefined;
}

export interface SubmitAccepted {
  requestId: string;
}

/** What Segmind says of one request. */
export type UpstreamJobState =
  | { status: 'QUEUED' | 'PROCESSING' }
  | {
      status: 'COMPLETED';
      videoUrl: string | undefined;
      cost: number | undefined;
      /** Segmind's own account of the job's time, queue plus inference, when its metrics give both. */
      upstreamMs: number | undefined;
    }
  /** `upstreamMs`, when the metrics give it: how long Segmind worked before failing (the model learns it). */
  | { status: 'FAILED'; error: string; upstreamMs?: number | undefined };

/** The one way the gateway reaches Segmind: each call answers a typed value or throws one `UpstreamError`. */
export interface SegmindClient {
  submit(input: SegmindInput): Promise<SubmitAccepted>;
  /** `GET /v2/requests/{id}/status`: cheap, no output. */
  status(requestId: string): Promise<UpstreamJobState>;
  /** `GET /v2/requests/{id}`: the output and cost once COMPLETED. */
  result(requestId: string): Promise<UpstreamJobState>;
  /** Fails every call in flight at once (a submit among them ends OUTCOME_UNKNOWN) and refuses new ones. */
  abortAll(): Promise<void>;
  /** Waits for calls in flight, then releases connections. */
  close(): Promise<void>;
}

export interface SegmindClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Time limit of one call, connection included. */
  timeoutMs: number;
}

const maxResponseBytes = 1_000_000;

const submitAnswer = z.object({ request_id: z.string().min(1) });

const statusCodes: Record<number, UpstreamErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  406: 'INSUFFICIENT_CREDITS',
  410: 'GONE',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
};

export function createSegmindClient(options: SegmindClientOptions): SegmindClient {
  const agent = new Agent({
    connect: { timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });

  async function call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    const description = `${method} ${path}`;
    let response: Awaited<ReturnType<typeof request>>;
    let text: string;
    const sent = body === undefined ? undefined : jsonBody(body);
    try {
      response = await request(`${options.baseUrl}${path}`, {
        method,
        dispatcher: agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'x-api-key': options.apiKey,
          ...(sent && { 'content-length': String(sent.length) }),
        },
        body: sent?.body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      text = await readCapped(response.body);
    } catch (thrown) {
      throw toUpstreamError(thrown, description);
    }
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    const resetHeader = response.headers['x-rate-limit-reset-at-utc'];
    if (response.statusCode === 200) return { status: 200, json };
    if (response.statusCode === 422 && jobState(json) !== undefined) return { status: 422, json };
    const upstreamText = errorText(json) ?? `HTTP ${response.statusCode}`;
    const code = statusCodes[response.statusCode] ?? (response.statusCode >= 500 ? 'SERVER_ERROR' : 'BAD_RESPONSE');
    throw new UpstreamError(code, `${description}: ${response.statusCode} ${upstreamText}`, {
      httpStatus: response.statusCode,
      resetAt: code === 'RATE_LIMITED' ? parseResetAt(resetHeader) : undefined,
    });
  }

  async function readState(path: string): Promise<UpstreamJobState> {
    const { json } = await call('GET', path);
    const state = jobState(json);
    if (!state) throw new UpstreamError('BAD_RESPONSE', `GET ${path}: unreadable status answer`);
    return state;
  }

  return {
    async submit(input) {
      try {
        const { json } = await call('POST', segmindModelPath, input);
        const parsed = submitAnswer.safeParse(json);
        if (!parsed.success) {
          throw new UpstreamError('OUTCOME_UNKNOWN', `POST ${segmindModelPath}: answer without a request_id`);
        }
        return { requestId: parsed.data.request_id };
      } catch (thrown) {
        throw submitError(toUpstreamError(thrown, `POST ${segmindModelPath}`));
      }
    },
    status: (requestId) => readState(`/v2/requests/${encodeURIComponent(requestId)}/status`),
    result: (requestId) => readState(`/v2/requests/${encodeURIComponent(requestId)}`),
    abortAll: () =>
      agent.destroyed
        ? Promise.resolve()
        : agent.destroy(new UpstreamError('CONNECTION_LOST', 'aborted: the gateway is shutting down')),
    close: () => (agent.destroyed || agent.closed ? Promise.resolve() : agent.close()),
  };
}

/** After a submit, anything but a clear answer or a clear "not made" leaves the bill unknown. */
function submitError(error: UpstreamError): UpstreamError {
  const answered = error.httpStatus !== undefined && error.httpStatus < 500;
  if (answered || error.submitMayBeRetried) return error;
  return new UpstreamError(
    'OUTCOME_UNKNOWN',
    `the submit may have reached Segmind but its answer was lost (${error.message})`,
    { httpStatus: error.httpStatus, cause: error },
  );
}

async function readCapped(body: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > maxResponseBytes) throw new UpstreamError('BAD_RESPONSE', 'answer larger than 1 MB');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The reset header is an ISO time in UTC; when it is missing or unreadable the caller picks a safe default. */
function parseResetAt(header: string | string[] | undefined): Date | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const withZone = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const date = new Date(withZone);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
