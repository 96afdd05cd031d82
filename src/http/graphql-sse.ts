import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Response as SseResponse } from 'graphql-sse';
import { createHandler } from 'graphql-sse/lib/use/fetch';
import type { Plugin } from 'graphql-yoga';
import type { Authenticate } from './authentication.js';
import { withoutHttpExtension } from './client-error-codes.js';
import { csrfRefusal } from './csrf-prevention.js';
import { type ErrorReporting, unexpectedErrorMessage } from './error-reporting.js';
import { prepareOperation, refused, tooManyOperations } from './operation-preparation.js';
import type { PersistedOperations } from './persisted-operations.js';
import { StreamReservations, streamTokenHeader } from './stream-reservations.js';

/**
 * The GraphQL over SSE protocol (graphql-sse) in both its modes, on its own path as graphql-sse clients
 * expect: distinct connections (one stream per operation, as on /graphql) and the single connection mode
 * (PUT reserves a stream, GET opens it, POSTs start operations on it, DELETE stops one). Operations run
 * through Yoga's envelop, so schema, context, limits and error masking are those of every other transport.
 * Written as our own plugin around graphql-sse's handler rather than @graphql-yoga/plugin-graphql-sse,
 * which has no hook for who may use a reserved stream, how many operations a stream holds, or how long an
 * unopened reservation is kept.
 */
export const graphqlSsePath = '/graphql/stream';

export interface GraphQLSseOptions {
  authenticate: Authenticate;
  errors: ErrorReporting;
  /** Operations one reserved stream may carry at once (as subscriptions per WebSocket connection). */
  maxOperationsPerStream: number;
  /** The allow-list mode, if on: operations are then named by id, as over graphql-ws. */
  persistedOperations: PersistedOperations | undefined;
}

/** The reserved stream a request names, the way graphql-sse reads it: its header, else the `token` parameter. */
const streamTokenOf = (request: { headers: { get(name: string): string | null | undefined }; url: string }) =>
  request.headers.get(streamTokenHeader) ?? new URL(request.url, 'http://gateway').searchParams.get('token');

/** What graphql-sse's own refusals (no stream, bad body, conflict) are coded as, by their status. */
const codeOfStatus: Record<number, string> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

type ServerContext = Record<string, unknown>;

export function useGraphQLSse({
  authenticate,
  errors,
  maxOperationsPerStream,
  persistedOperations,
}: GraphQLSseOptions): Plugin {
  const serverContexts = new WeakMap<Request, ServerContext>();
  const reservations = new StreamReservations();
  let handle: (request: Request) => Promise<Response>;
  // An unopened reservation is ended by opening its stream and closing it at once: graphql-sse frees a stream
  // only when its connection ends.
  const expire = async (token: string) => {
    const response = await handle(reservations.expiryRequest(token));
    await response.body?.cancel();
  };

  const refusal = (status: number, error: GraphQLError): SseResponse => [
    JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.extensions.code } }] }),
    {
      status,
      statusText: '',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
      },
    },
  ];

  return {
    onYogaInit({ yoga }) {
      handle = createHandler(
        {
          authenticate: (request) => {
            const expiring = reservations.expiryOf(request.raw);
            if (expiring !== undefined) return expiring;
            let owner: string;
            try {
              owner = authenticate({
                authorization: request.headers.get('authorization') ?? null,
                origin: request.headers.get('origin'),
                host: request.headers.get('host'),
              }).owner;
            } catch (error) {
              if (error instanceof GraphQLError) return refusal(401, error);
              throw error;
            }
            if (request.method === 'PUT') {
              const token = randomUUID();
              reservations.reserve(token, owner, (expired) => void expire(expired));
              return token;
            }
            const token = streamTokenOf(request);
            if (token === null) return undefined;
            // Another owner's stream is no stream at all to this caller.
            if (!reservations.belongsTo(token, owner)) {
              return refusal(404, new GraphQLError('no such stream', { extensions: { code: 'NOT_FOUND' } }));
            }
            // graphql-sse opens a reserved stream for any request that accepts exactly this, GET or POST.
            if (request.headers.get('accept') === 'text/event-stream') reservations.opened(token, request.raw.signal);
            return token;
          },
          onSubscribe: async (request, params) => {
            const token = streamTokenOf(request);
            if (token !== null && !reservations.startOperation(token, maxOperationsPerStream)) {
              const message = `at most ${maxOperationsPerStream} operations per stream; reserve another stream`;
              return { data: null, ...refused(errors, [tooManyOperations(message)]) };
            }
            const ended = () => (token === null ? undefined : reservations.endOperation(token));
            const initialContext = { ...serverContexts.get(request.raw), request: request.raw };
            const prepared = await prepareOperation({ yoga, errors, persistedOperations }, initialContext, params);
            // graphql-sse takes a result from `onSubscribe` only if it has a `data` entry.
            if ('errors' in prepared) {
              ended();
              return { data: null, ...prepared };
            }
            const { enveloped, args, isSubscription } = prepared;
            try {
              const result = await (isSubscription ? enveloped.subscribe(args) : enveloped.execute(args));
              if (Symbol.asyncIterator in result) return onEnd(result, ended);
              ended();
              return { data: null, ...result };
            } catch (error) {
              ended();
              return { data: null, errors: [errors.maskError(error, unexpectedErrorMessage)] };
            }
          },
          // Yoga's `extensions.http` (a status for HTTP answers) is ours, not the client's.
          onNext: (_context, _request, result) =>
            result.errors ? { ...result, errors: result.errors.map(withoutHttpExtension) } : undefined,
        },
        yoga.fetchAPI,
      );
    },
    onRequest({ request, url, endResponse, serverContext }) {
      if (url.pathname !== graphqlSsePath) return;
      // Answered here, before Yoga's own parsing, so the CSRF rule of /graphql is applied here too.
      const forged = csrfRefusal(request);
      if (forged) return endResponse(codedAnswer(403, forged.message, 'CSRF_PREVENTED'));
      serverContexts.set(request, serverContext as ServerContext);
      return handle(request).then(async (response) => endResponse(await withCode(response)));
    },
  };
}

/** The subscription's results, calling `ended` once when it finishes, fails or is stopped. */
function onEnd<T>(source: AsyncIterable<T>, ended: () => void): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    ended();
  };
  return {
    async next() {
      try {
        const next = await iterator.next();
        if (next.done) finish();
        return next;
      } catch (error) {
        finish();
        throw error;
      }
    },
    async return() {
      finish();
      return (await iterator.return?.()) ?? { done: true, value: undefined };
    },
    // graphql-sse stops only operations that look like generators (with `throw`) on DELETE and disconnect.
    async throw(error: unknown) {
      finish();
      await iterator.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function codedAnswer(status: number, message: string, code: string): Response {
  return Response.json({ errors: [{ message, extensions: { code } }] }, { status });
}

/** graphql-sse's own refusal (an empty body, or errors without a code) made a coded GraphQL error. */
async function withCode(response: Response): Promise<Response> {
  const code = codeOfStatus[response.status];
  if (response.ok || code === undefined) return response;
  const body = await response.text();
  let message = response.statusText || `HTTP ${response.status}`;
  try {
    const parsed = JSON.parse(body) as { errors?: { message?: string; extensions?: { code?: string } }[] };
    if (parsed.errors?.[0]?.extensions?.code) return new Response(body, response);
    message = parsed.errors?.[0]?.message ?? message;
  } catch {
    // Not JSON: graphql-sse answered with an empty body.
  }
  return codedAnswer(response.status, message, code);
}
