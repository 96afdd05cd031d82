import type { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** Content types a page may POST to another site without a CORS preflight (the Fetch standard's safelist). */
const simpleContentTypes = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** Headers a page cannot add without a preflight: any one of them shows the request passed CORS, or no browser sent it. */
const preflightHeaders = ['x-graphql-yoga-csrf', 'apollo-require-preflight', 'authorization'] as const;

/**
 * CSRF prevention: a POST that a browser sends without a preflight (no content type, or a simple one) is
 * refused unless it carries a preflight header, so no web page can drive the API, not even an open loopback
 * install. Written here rather than with @graphql-yoga/plugin-csrf-prevention, which also refuses every GET
 * without the header: GraphQL-over-HTTP GET queries from curl must keep working, and Yoga already refuses
 * mutations over GET.
 */
export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse: ({ request }) => {
      const refusal = csrfRefusal(request);
      if (refusal) throw refusal;
    },
  };
}

/** Why this request may have been sent by a page on another site without a preflight, or undefined. */
export function csrfRefusal(request: Request): GraphQLError | undefined {
  if (request.method !== 'POST') return undefined;
  const mediaType = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType !== '' && !simpleContentTypes.has(mediaType)) return undefined;
  if (preflightHeaders.some((name) => request.headers.has(name))) return undefined;
  return createGraphQLError(
    `a POST sent as "${mediaType || 'no content type'}" could come from any web page: send application/json, or add the header ${preflightHeaders[0]}`,
    { extensions: { code: 'CSRF_PREVENTED', http: { status: 403 } } },
  );
}
