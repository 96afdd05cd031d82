import type { ExecutionResult } from 'graphql';
import { handleStreamOrSingleExecutionResult, isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { StreamResumption } from '../schema/builder.js';

/**
 * SSE subscriptions that a plain EventSource can resume. Each job event is sent with an `id:` line, the job's
 * version; a reconnecting EventSource sends the last one back as `Last-Event-ID`, which counts as `afterVersion`
 * (the larger of the two wins). A reconnect that can get nothing more (the job ended and the client has its last
 * version) is answered 204 No Content, which tells an EventSource to stop reconnecting instead of replaying the
 * end every 3 s. Streams over graphql-ws have no request and are left alone.
 */

/** The header an EventSource resends on reconnect (the HTML standard's name). */
const lastEventIdHeader = 'last-event-id';

/**
 * How long a resuming request waits for its first event before the stream's headers go out. An ended job
 * answers at once (its watch is empty from the start); a running one just starts streaming after this.
 */
const firstEventWaitMs = 250;

interface EventStream extends StreamResumption {
  /** Whether the client sent `Last-Event-ID`, i.e. is an EventSource reconnecting. */
  readonly resuming: boolean;
  /** The version of the event resolved last, for its `id:` line. */
  readonly lastVersion: number | undefined;
}

const streams = new WeakMap<Request, EventStream>();

/** A `Last-Event-ID` that this gateway could have sent: a job version. */
const versionPattern = /^\d{1,15}$/;

/** The resumption of an HTTP request's subscription (one per request), read from its `Last-Event-ID`. */
export function eventStreamFor(request: Request): StreamResumption {
  const sent = request.headers.get(lastEventIdHeader)?.trim();
  let lastVersion: number | undefined;
  const stream: EventStream = {
    resuming: sent !== undefined,
    // useEventStreamResume has refused a request whose header is no version.
    afterVersion: sent !== undefined && versionPattern.test(sent) ? Number(sent) : undefined,
    get lastVersion() {
      return lastVersion;
    },
    resolved: (version) => {
      lastVersion = version;
    },
  };
  streams.set(request, stream);
  return stream;
}

export function useEventStreamResume(): Plugin<{ stream?: StreamResumption; request?: Request }> {
  return {
    // Refused before anything runs, as a 400 that makes an EventSource stop: an error inside the stream would
    // end it, and the EventSource would reconnect with the same header every 3 s.
    onRequest: ({ request, endResponse }) => {
      const sent = request.headers.get(lastEventIdHeader)?.trim();
      if (sent === undefined || versionPattern.test(sent)) return;
      const message = 'Last-Event-ID must be a job version this stream sent (a whole number)';
      endResponse(Response.json({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] }, { status: 400 }));
    },
    onSubscribe: ({ args }) => {
      const request = args.contextValue.request;
      const stream = request && streams.get(request);
      if (!stream) return;
      return {
        onSubscribeResult: (payload) =>
          handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
            // Only job events carry a version; an error (a revoked token, say) is no position to resume from.
            if (result.data && stream.lastVersion !== undefined) setResult(withEventId(result, stream.lastVersion));
          }),
      };
    },
    onResultProcess: async ({ request, result, setResult, setResultProcessor }) => {
      if (!streams.get(request)?.resuming || !isAsyncIterable(result)) return;
      const iterator = result[Symbol.asyncIterator]();
      const first = iterator.next();
      if ((await settledSoon(first))?.done) {
        setResultProcessor(() => new Response(null, { status: 204 }), 'text/event-stream');
        return;
      }
      setResult(startingWith(first, iterator));
    },
  };
}

/**
 * The result, serialized with an `id:` line after its data. Yoga's SSE writer frames each result as
 * `data: <stringify(result)>\n\n` and uses a result's own `stringify` when it has one, so the line lands in the
 * same event.
 */
function withEventId(result: ExecutionResult, version: number): ExecutionResult {
  return Object.assign({}, result, {
    stringify: (value: unknown) => `${JSON.stringify(value)}\nid: ${version}`,
  });
}

/** The promise's value if it settles within `firstEventWaitMs`, else undefined. */
function settledSoon<T>(promise: Promise<T>): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const nothingYet = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), firstEventWaitMs);
  });
  return Promise.race([promise, nothingYet]).finally(() => clearTimeout(timer));
}

/** The stream again, its first result (already asked for) put back in front. */
function startingWith<T>(first: Promise<IteratorResult<T>>, iterator: AsyncIterator<T>): AsyncIterableIterator<T> {
  let pending: Promise<IteratorResult<T>> | undefined = first;
  return {
    next() {
      const next = pending ?? iterator.next();
      pending = undefined;
      return next;
    },
    return: async () => (await iterator.return?.()) ?? { done: true, value: undefined },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
