import type { YogaServerOptions } from 'graphql-yoga';

/** Whether a browser page from `origin` may call the API: `CORS_ORIGINS` as a predicate. */
export function originPolicy(origins: readonly string[]): (origin: string) => boolean {
  return origins.includes('*') ? () => true : originListing(origins);
}

/** Whether `CORS_ORIGINS` names `origin` itself; `*` names none (see authentication.ts, open mode). */
export function originListing(origins: readonly string[]): (origin: string) => boolean {
  const listed = new Set(origins.filter((origin) => origin !== '*').map((origin) => origin.toLowerCase()));
  return (origin) => listed.has(origin.toLowerCase());
}

/**
 * Yoga's `cors` option: allowed origins get the allow headers for their own origin (with `Vary: Origin`),
 * any other gets none. Tokens travel in headers, never cookies, so credentials are never allowed.
 */
export function corsOptions(allowsOrigin: (origin: string) => boolean): YogaServerOptions<object, object>['cors'] {
  return (request) => {
    const origin = request.headers.get('origin');
    // Yoga echoes the request's origin for '*'; `false` sends no CORS headers at all.
    return origin !== null && allowsOrigin(origin) ? { origin: '*', credentials: false } : false;
  };
}
