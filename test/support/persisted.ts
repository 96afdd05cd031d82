import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { temporaryDirectory } from '../../harness/temporary-directory.js';
import type { AppOptions } from '../../src/app.js';
import type { HttpAnswer } from './auth.js';
import { type GatewayFixture, startFakeSegmind, startGateway } from './gateway.js';

/** The SHA-256 of a document, lower-case hex, as the APQ protocol names it. */
export const sha256 = (document: string) => createHash('sha256').update(document).digest('hex');

export interface PersistedRequest {
  /** The document, sent with the hash (a registration) or left out (the hash alone). */
  query?: string;
  /** `extensions.persistedQuery`'s hash; or `extension`, the whole of it (null: no extensions at all). */
  hash?: string;
  extension?: unknown;
  variables?: Record<string, unknown>;
  method?: 'POST' | 'GET';
  token?: string;
  headers?: Record<string, string>;
}

/** One request of the persisted-query protocols over HTTP, as a client writes it by hand. */
export async function persistedRequest(url: string, request: PersistedRequest): Promise<HttpAnswer> {
  const persistedQuery = 'extension' in request ? request.extension : { version: 1, sha256Hash: request.hash };
  const extensions = persistedQuery === null ? undefined : { persistedQuery };
  const headers: Record<string, string> = {
    accept: 'application/graphql-response+json',
    ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
    ...request.headers,
  };
  const fields = { query: request.query, variables: request.variables, extensions };
  const response =
    request.method === 'GET'
      ? await fetch(`${url}?${getParameters(fields)}`, { headers })
      : await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(fields),
        });
  return { status: response.status, headers: response.headers, body: (await response.json()) as HttpAnswer['body'] };
}

/** GraphQL-over-HTTP GET parameters: objects as JSON, absent fields left out. */
function getParameters(fields: Record<string, unknown>): URLSearchParams {
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) parameters.set(name, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return parameters;
}

/** The code of an answer's first error. */
export const firstCode = (answer: HttpAnswer) => answer.body.errors?.[0]?.extensions?.code;

/**
 * A gateway for the whole file with the given app options and environment; `manifest`, when given, is
 * written to a file and named by PERSISTED_OPERATIONS_FILE with PERSISTED_OPERATIONS_ONLY=true.
 */
export function persistedGatewayFixture(
  options: {
    app?: Partial<Omit<AppOptions, 'logger' | 'clock'>>;
    environment?: Record<string, string>;
    manifest?: Record<string, string>;
  } = {},
): GatewayFixture {
  const fixture = {} as GatewayFixture;
  const folder = temporaryDirectory();
  beforeAll(async () => {
    const allowList: Record<string, string> = {};
    if (options.manifest) {
      allowList.PERSISTED_OPERATIONS_FILE = `${folder.path}/persisted-documents.json`;
      allowList.PERSISTED_OPERATIONS_ONLY = 'true';
      writeFileSync(allowList.PERSISTED_OPERATIONS_FILE, JSON.stringify(options.manifest));
    }
    fixture.upstream = await startFakeSegmind({ processingMs: 60_000 });
    fixture.gateway = await startGateway({
      upstream: fixture.upstream,
      databasePath: `${folder.path}/jobs.sqlite`,
      environment: { ...options.environment, ...allowList },
      app: options.app,
    });
  });
  afterAll(async () => {
    await fixture.gateway?.close();
    await fixture.upstream?.close();
    folder.remove();
  });
  return fixture;
}
