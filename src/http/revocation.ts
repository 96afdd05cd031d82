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

async function* endWhenRevoked(
  source: AsyncIterable<ExecutionResult>,
  stillValid: () => boolean,
): AsyncGenerator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  let wake: (() => void) | undefined;
  let isRevoked = false;
  const timer = setInterval(() => {
    if (stillValid()) return;
    isRevoked = true;
    wake?.();
  }, recheckIntervalMs);
  timer.unref();
  try {
    for (;;) {
      const revocation = new Promise<'revoked'>((resolve) => {
        wake = () => resolve('revoked');
        if (isRevoked) resolve('revoked');
      });
      const next = await Promise.race([iterator.next(), revocation]);
      if (next === 'revoked') {
        yield revoked();
        return;
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    clearInterval(timer);
    await iterator.return?.();
  }
}
