import { type ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Authenticate } from './authentication.js';

/** How often a live HTTP subscription's token is checked again: a revoked one ends it within this. */
const recheckIntervalMs = 2000;

const revoked = (): ExecutionResult => ({
  errors: [new GraphQLError('the token was revoked', { extensions: { code: 'UNAUTHENTICATED' } })],
});

/**
 * Ends an SSE subscription (GET or POST over HTTP) with an UNAUTHENTICATED error once its token stops
 * working. WebSocket connections are checked by their adapter and closed 4403, so they carry no `request`.
 */
export function useRevocationCheck(authenticate: Authenticate): Plugin {
  return {
    onSubscribe: ({ args }) => {
      const request = (args.contextValue as { request?: Request }).request;
      const authorization = request?.headers.get('authorization');
      if (!request || !authorization) return;
      const stillValid = () => {
        try {
          authenticate({ authorization, origin: request.headers.get('origin'), host: request.headers.get('host') });
          return true;
        } catch {
          return false;
        }
      };
      return {
        onSubscribeResult: ({ result, setResult }) => {
          if (Symbol.asyncIterator in result) setResult(endWhenRevoked(result, stillValid));
        },
      };
    },
  };
}

/**
 * `source`, ended with an UNAUTHENTICATED error once `stillValid` says no. Written as an iterator object, not
 * a generator: a client that goes away calls `return()`, which must end the source at once, even while a
 * `next()` waits on it (a generator would queue the return behind that wait).
 */
function endWhenRevoked(
  source: AsyncIterable<ExecutionResult>,
  stillValid: () => boolean,
): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  let signalRevoked: () => void = () => {};
  const revocation = new Promise<'revoked'>((resolve) => {
    signalRevoked = () => resolve('revoked');
  });
  const timer = setInterval(() => {
    if (!stillValid()) signalRevoked();
  }, recheckIntervalMs);
  timer.unref();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    await iterator.return?.();
  };
  const finished = { done: true, value: undefined } as const;
  return {
    async next() {
      if (closed) return finished;
      const next = await Promise.race([iterator.next(), revocation]);
      if (next === 'revoked') {
        await close();
        return { done: false, value: revoked() };
      }
      if (next.done) await close();
      return next;
    },
    async return() {
      await close();
      return finished;
    },
    async throw(error: unknown) {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
