import { createGraphQLError } from 'graphql-yoga';

/**
 * Headers of an answer that says a persisted document is unknown: it must not be cached by a CDN, since the
 * next request for the same hash may well find it (Apollo Server sends the same).
 */
export const uncacheable = { 'Cache-Control': 'private, no-cache, must-revalidate' } as const;

/**
 * The `extensions.persistedQuery` of a request (the APQ protocol, also used to name an operation of the
 * allow-list), or undefined when it has none. One that names no version-1 `sha256Hash` is refused with a
 * code instead of being ignored: the request would otherwise fail with a misleading "Must provide query string."
 */
export function persistedQueryOf(extensions: unknown): { sha256Hash: string } | undefined {
  const extension = isRecord(extensions) ? extensions.persistedQuery : undefined;
  if (extension === undefined || extension === null) return undefined;
  if (!isRecord(extension) || extension.version !== 1) {
    const version = isRecord(extension) ? JSON.stringify(extension.version) : 'none';
    throw createGraphQLError(`persistedQuery version ${version} is not supported: send version 1`, {
      extensions: { code: 'PERSISTED_QUERY_VERSION_NOT_SUPPORTED', http: { status: 400 } },
    });
  }
  if (typeof extension.sha256Hash !== 'string' || extension.sha256Hash === '') {
    throw createGraphQLError('persistedQuery needs a sha256Hash string', {
      extensions: { code: 'PERSISTED_QUERY_INVALID', http: { status: 400 } },
    });
  }
  return { sha256Hash: extension.sha256Hash };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
