import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import { openViewer, type Viewer } from '../domain/access.js';
import type { TokenService } from '../services/access/token-service.js';

export interface AuthenticationOptions {
  tokens: TokenService;
  /** Without a token, refuse (true) or act as owner `local` with every scope (false). */
  authRequired: boolean;
  /** Whether `CORS_ORIGINS` names this origin itself (`*` does not count): pages that may use an open API. */
  listsOrigin: (origin: string) => boolean;
}

/** What a request shows of who sends it: HTTP and SSE headers, or graphql-ws connectionParams and the upgrade's headers. */
export interface Credentials {
  authorization: unknown;
  /** The browser page's origin, when a browser sent the request. */
  origin?: string | null | undefined;
  /** The Host the request was sent to. */
  host?: string | null | undefined;
}

/** Tells who a request acts for. */
export type Authenticate = (credentials: Credentials) => Viewer;

const bearerPattern = /^Bearer +(\S+)$/i;

/**
 * A missing token is refused only where one is required; a presented token is always checked, whatever the
 * mode. Refusals are GraphQL errors with `extensions.code: UNAUTHENTICATED`; over HTTP they answer 401 with
 * `WWW-Authenticate: Bearer` (Yoga reads the `http` extension).
 */
export function createAuthenticate({ tokens, authRequired, listsOrigin }: AuthenticationOptions): Authenticate {
  return ({ authorization, origin, host }) => {
    if (authorization === undefined || authorization === null || authorization === '') {
      if (authRequired) throw unauthenticated('this API needs a token: send Authorization: Bearer <token>');
      // Open mode trusts whoever reaches the port, never a web page they visit: a page from another origin
      // (one CORS_ORIGINS does not name) must present a token like anyone else.
      if (origin && !sameOrigin(origin, host) && !listsOrigin(origin)) {
        throw unauthenticated(`a page from ${origin} needs a token here: send Authorization: Bearer <token>`);
      }
      return openViewer;
    }
    const secret = typeof authorization === 'string' ? bearerPattern.exec(authorization)?.[1] : undefined;
    const viewer = secret === undefined ? undefined : tokens.authenticate(secret);
    if (!viewer) throw unauthenticated('the token is malformed, unknown or revoked');
    return viewer;
  };
}

/** Who each HTTP request checked before its body was read acts for, so it is not checked twice. */
const admitted = new WeakMap<IncomingMessage, Viewer>();

/** The viewer `callerRefusal` admitted this request as, if it checked it. */
export const admittedViewer = (request: IncomingMessage | undefined): Viewer | undefined =>
  request && admitted.get(request);

/**
 * The error refusing an HTTP request's caller, or undefined when `authenticate` lets it through (the viewer
 * is then kept for `admittedViewer`); each refusal is also handed to `onRefusal` (to be logged as the client
 * mistake it is).
 */
export function callerRefusal(
  authenticate: Authenticate,
  onRefusal: (error: GraphQLError) => void,
): (request: IncomingMessage) => GraphQLError | undefined {
  return (request) => {
    const { headers } = request;
    try {
      admitted.set(
        request,
        authenticate({ authorization: headers.authorization, origin: headers.origin, host: headers.host }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      onRefusal(error);
      return error;
    }
  };
}

/** A page served by this gateway itself (GraphiQL, the web app): its origin names the Host it calls. */
function sameOrigin(origin: string, host: string | null | undefined): boolean {
  try {
    return host !== undefined && host !== null && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

const unauthenticated = (message: string) =>
  new GraphQLError(message, {
    extensions: {
      code: 'UNAUTHENTICATED',
      http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } },
    },
  });
