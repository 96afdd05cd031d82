import { GraphQLError } from 'graphql';
import { openViewer, type Viewer } from '../domain/access.js';
import type { TokenService } from '../services/access/token-service.js';

export interface AuthenticationOptions {
  tokens: TokenService;
  /** Without a token, refuse (true) or act as owner `local` with every scope (false). */
  authRequired: boolean;
}

/** Tells who a request acts for from its `Authorization` value (HTTP, SSE, or graphql-ws connectionParams). */
export type Authenticate = (authorization: unknown) => Viewer;

const bearerPattern = /^Bearer +(\S+)$/i;

/**
 * A missing token is refused only where one is required; a presented token is always checked, whatever the
 * mode. Refusals are GraphQL errors with `extensions.code: UNAUTHENTICATED`; over HTTP they answer 401 with
 * `WWW-Authenticate: Bearer` (Yoga reads the `http` extension).
 */
export function createAuthenticate({ tokens, authRequired }: AuthenticationOptions): Authenticate {
  return (authorization) => {
    if (authorization === undefined || authorization === null || authorization === '') {
      if (!authRequired) return openViewer;
      throw unauthenticated('this API needs a token: send Authorization: Bearer <token>');
    }
    const secret = typeof authorization === 'string' ? bearerPattern.exec(authorization)?.[1] : undefined;
    const viewer = secret === undefined ? undefined : tokens.authenticate(secret);
    if (!viewer) throw unauthenticated('the token is malformed, unknown or revoked');
    return viewer;
  };
}

const unauthenticated = (message: string) =>
  new GraphQLError(message, {
    extensions: {
      code: 'UNAUTHENTICATED',
      http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } },
    },
  });
