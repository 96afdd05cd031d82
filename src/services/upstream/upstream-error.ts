import { errors } from 'undici';

/** Every way a Segmind call can fail, as one code union (contract section 3). */
export type UpstreamErrorCode =
  /** 400: the body was refused. */
  | 'BAD_REQUEST'
  /** 401: missing or invalid key. */
  | 'UNAUTHORIZED'
  /** 403 */
  | 'FORBIDDEN'
  /** 404: unknown or expired request id (records live 1 h), or an unknown model. */
  | 'NOT_FOUND'
  /** 406: insufficient credits (or a bad content type, which this client never sends). */
  | 'INSUFFICIENT_CREDITS'
  /** 410: the model was retired. */
  | 'GONE'
  /** 422 that is not a job's FAILED status. */
  | 'UNPROCESSABLE'
  /** 429: see `resetAt`. */
  | 'RATE_LIMITED'
  /** 5xx: see `httpStatus`. */
  | 'SERVER_ERROR'
  /** The connection failed before the request was sent: nothing reached Segmind. */
  | 'NETWORK'
  /** The connection dropped after the request was sent. */
  | 'CONNECTION_LOST'
  /** No complete answer within the time limit. */
  | 'TIMEOUT'
  /** A submit may have reached Segmind but its answer was lost (504, timeout, dropped connection): it may be billed. */
  | 'OUTCOME_UNKNOWN'
  /** An answer this client cannot read. */
  | 'BAD_RESPONSE'
  /** Not sent: calls are paused while Segmind looks down (the circuit breaker is open). */
  | 'CIRCUIT_OPEN';

export class UpstreamError extends Error {
  override name = 'UpstreamError';
  readonly code: UpstreamErrorCode;
  readonly httpStatus: number | undefined;
  /** For RATE_LIMITED: when Segmind accepts calls again, from `x-rate-limit-reset-at-utc`. */
  readonly resetAt: Date | undefined;

  constructor(
    code: UpstreamErrorCode,
    message: string,
    options: {
      httpStatus?: number | undefined;
      resetAt?: Date | undefined;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.httpStatus = options.httpStatus;
    this.resetAt = options.resetAt;
  }

  /** True when Segmind certainly did not create a request, so a submit may be sent again (contract section 3). */
  get submitMayBeRetried(): boolean {
    if (this.code === 'RATE_LIMITED' || this.code === 'NETWORK' || this.code === 'CIRCUIT_OPEN') return true;
    return this.code === 'SERVER_ERROR' && [500, 502, 503].includes(this.httpStatus ?? 0);
  }

  /** True for failures that pass by themselves: a later call may well succeed. */
  get isTransient(): boolean {
    return [
      'RATE_LIMITED',
      'SERVER_ERROR',
      'NETWORK',
      'CONNECTION_LOST',
      'TIMEOUT',
      'BAD_RESPONSE',
      'CIRCUIT_OPEN',
    ].includes(this.code);
  }
}

/** Socket errors raised before any byte of the request could reach Segmind. */
const notSentErrorCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
]);
const timeoutErrorCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** undici's own errors, socket errors (`ECONNRESET`...) and aborts: the network failed, not our code. */
function isTransportFailure(thrown: unknown): thrown is Error & { code?: unknown } {
  if (thrown instanceof errors.UndiciError) return true;
  if (!(thrown instanceof Error)) return false;
  const code = (thrown as { code?: unknown }).code;
  return (
    thrown.name === 'AbortError' ||
    thrown.name === 'TimeoutError' ||
    (typeof code === 'string' && /^E[A-Z]+$/.test(code))
  );
}

/**
 * The one converter of what a call to Segmind throws: an `UpstreamError` stays as it is, a transport
 * failure becomes NETWORK (nothing sent), TIMEOUT or CONNECTION_LOST. Anything else is a bug in our own
 * code: it is rethrown untouched, so it is never taken for an outage, retried or hidden.
 */
export function toUpstreamError(thrown: unknown, call: string): UpstreamError {
  if (thrown instanceof UpstreamError) return thrown;
  if (!isTransportFailure(thrown)) throw thrown;
  const code = thrown.code;
  if (typeof code === 'string' && notSentErrorCodes.has(code)) {
    return new UpstreamError('NETWORK', `${call}: could not connect (${code})`, { cause: thrown });
  }
  if ((typeof code === 'string' && timeoutErrorCodes.has(code)) || thrown.name === 'TimeoutError') {
    return new UpstreamError('TIMEOUT', `${call}: no answer in time`, { cause: thrown });
  }
  return new UpstreamError('CONNECTION_LOST', `${call}: connection lost (${thrown.message})`, { cause: thrown });
}
