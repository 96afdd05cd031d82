import { writeFileSync } from 'node:fs';
import { type Client, createClient, type FormattedExecutionResult } from 'graphql-ws';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { requestAs, subscribeOnceOverSse } from './support/auth.js';
import { createVideoMutation } from './support/gateway.js';
import { firstCode, persistedGatewayFixture, persistedRequest, sha256 } from './support/persisted.js';

const viewerQuery = 'query Viewer { viewer { owner } }';
const jobSubscription = 'subscription Job($id: ID!) { videoJob(id: $id) { id status } }';
const tooManyAliases = `query TooManyAliases { ${Array.from({ length: 16 }, (_, index) => `a${index}: viewer { owner }`).join(' ')} }`;
const unlisted = 'query Unlisted { viewer { scopes } }';
// Ids as tools write them: SHA-256 (Apollo, graphql-codegen) or anything else (relay-compiler's MD5 by default).
const manifest = {
  [sha256(viewerQuery)]: viewerQuery,
  [sha256(createVideoMutation)]: createVideoMutation,
  'job-subscription': jobSubscription,
  'too-many-aliases': tooManyAliases,
};
const persisted = (id: string) => ({ persistedQuery: { version: 1, sha256Hash: id } });

describe('PERSISTED_OPERATIONS_ONLY over HTTP', () => {
  const fixture = persistedGatewayFixture({ manifest });
  const send = (request: Parameters<typeof persistedRequest>[1]) => persistedRequest(fixture.gateway.url, request);

  it('runs a listed operation named by its id, over POST and GET', async () => {
    for (const method of ['POST', 'GET'] as const) {
      const answer = await send({ hash: sha256(viewerQuery), method });
      expect(answer.body).toEqual({ data: { viewer: { owner: 'local' } } });
    }
    const created = await send({
      hash: sha256(createVideoMutation),
      variables: { input: { image: 'https://example.com/cat.png', prompt: 'a cat' } },
    });
    expect(created.body.data).toMatchObject({ createVideo: { __typename: 'CreateVideoSuccess' } });
  });

  it('refuses any document sent whole, listed or not, with a registration hash or without', async () => {
    for (const answer of [
      await requestAs(fixture.gateway.url, undefined, unlisted),
      await requestAs(fixture.gateway.url, undefined, viewerQuery, {}, 'GET'),
      await send({ query: unlisted, hash: sha256(unlisted) }),
    ]) {
      expect([answer.status, firstCode(answer)]).toEqual([400, 'PERSISTED_QUERY_ONLY']);
      expect(answer.body.errors?.[0]?.message).toMatch(/^PersistedQueryOnly: .*allow-list/);
    }
    // The registration attempt left nothing behind.
    expect(firstCode(await send({ hash: sha256(unlisted) }))).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('refuses an unknown id, or none, with their own codes', async () => {
    const unknown = await send({ hash: sha256(unlisted), method: 'GET' });
    expect([unknown.status, firstCode(unknown)]).toEqual([404, 'PERSISTED_QUERY_NOT_IN_LIST']);
    expect(unknown.headers.get('cache-control')).toBe('private, no-cache, must-revalidate');
    const none = await send({ extension: null });
    expect([none.status, firstCode(none)]).toEqual([400, 'PERSISTED_QUERY_ID_REQUIRED']);
    const version = await send({ extension: { version: 2, sha256Hash: sha256(viewerQuery) } });
    expect(firstCode(version)).toBe('PERSISTED_QUERY_VERSION_NOT_SUPPORTED');
  });

  it('holds a listed operation to the operation limits', async () => {
    const answer = await send({ hash: 'too-many-aliases' });
    expect([answer.status, firstCode(answer)]).toEqual([400, 'OPERATION_LIMIT']);
  });

  it('serves SSE subscriptions named by id, and refuses documents there too', async () => {
    const refused = await subscribeOnceOverSse(fixture.gateway.url, undefined, jobSubscription, { id: 'x' });
    expect(refused.firstEvent).toContain('PERSISTED_QUERY_ONLY');
    const response = await fetch(fixture.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ variables: { id: 'VmlkZW9Kb2I6OTk5' }, extensions: persisted('job-subscription') }),
    });
    expect(await response.text()).toContain('"code":"NOT_FOUND"');
  });

  it('holds graphql-sse (/graphql/stream) to the list as well', async () => {
    const streamed = (body: Record<string, unknown>) =>
      fetch(`${fixture.gateway.url}/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify(body),
      }).then((response) => response.text());
    expect(await streamed({ query: unlisted })).toContain('"code":"PERSISTED_QUERY_ONLY"');
    expect(await streamed({ query: '', extensions: persisted('nope') })).toContain(
      '"code":"PERSISTED_QUERY_NOT_IN_LIST"',
    );
    expect(await streamed({ query: '', extensions: persisted(sha256(viewerQuery)) })).toContain('"owner":"local"');
  });

  it('answers a browser with a page saying why GraphiQL is off, and serves none of its files', async () => {
    const page = await fetch(fixture.gateway.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('GraphiQL is off: this server runs only the 4 operations of its allow-list');
    const asset = await fetch(new URL('/graphiql-assets/0/graphiql.js', fixture.gateway.url));
    expect(asset.status).not.toBe(200);
    await asset.body?.cancel();
    expect(fixture.gateway.warnings).toEqual([]);
  });
});

describe('PERSISTED_OPERATIONS_ONLY over graphql-ws', () => {
  const fixture = persistedGatewayFixture({ manifest });
  const first = (client: Client, payload: { query: string; variables?: object; extensions?: object }) =>
    new Promise<FormattedExecutionResult<Record<string, unknown>, unknown> | { error: unknown }>((resolve) => {
      const stop = client.subscribe(payload as { query: string }, {
        next: (result) => {
          resolve(result);
          stop();
        },
        error: (error) => resolve({ error }),
        complete: () => undefined,
      });
    });
  const codeOf = (outcome: FormattedExecutionResult<Record<string, unknown>, unknown> | { error: unknown }) =>
    'error' in outcome ? (outcome.error as { extensions?: { code?: string } }[])[0]?.extensions?.code : undefined;

  it('refuses each unlisted operation on its own id and keeps the socket for listed ones named by id', async () => {
    const created = await persistedRequest(fixture.gateway.url, {
      hash: sha256(createVideoMutation),
      variables: { input: { image: 'https://example.com/cat.png', prompt: 'a cat' } },
    });
    const jobId = (created.body.data as { createVideo: { job: { id: string } } }).createVideo.job.id;
    let connections = 0;
    const client = createClient({
      url: fixture.gateway.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      on: { connected: () => void connections++ },
    });
    try {
      expect(codeOf(await first(client, { query: jobSubscription, variables: { id: jobId } }))).toBe(
        'PERSISTED_QUERY_ONLY',
      );
      const refused = await first(client, { query: '', extensions: persisted(sha256(unlisted)) });
      expect(codeOf(refused)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
      // Over a socket the error carries no HTTP status or headers.
      expect(refused).toEqual({
        error: [
          {
            message: `PersistedQueryNotInList: no operation with id "${sha256(unlisted)}" in the allow-list`,
            extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' },
          },
        ],
      });
      expect(codeOf(await first(client, { query: '' }))).toBe('PERSISTED_QUERY_ID_REQUIRED');
      expect(codeOf(await first(client, { query: '', extensions: persisted('too-many-aliases') }))).toBe(
        'OPERATION_LIMIT',
      );
      const listed = await first(client, {
        query: '',
        variables: { id: jobId },
        extensions: persisted('job-subscription'),
      });
      expect(listed).toMatchObject({ data: { videoJob: { id: jobId } } });
      expect(await first(client, { query: '', extensions: persisted(sha256(viewerQuery)) })).toEqual({
        data: { viewer: { owner: 'local' } },
      });
      expect(connections).toBe(1);
    } finally {
      await client.dispose();
    }
  });
});

describe('PERSISTED_OPERATIONS_FILE', () => {
  const folder = temporaryDirectory();
  afterAll(() => folder.remove());
  const load = (environment: Record<string, string>) => () => loadConfig({ ...environment });
  const fileWith = (name: string, content: string) => {
    writeFileSync(`${folder.path}/${name}`, content);
    return `${folder.path}/${name}`;
  };
  const only = (file: string) => ({ PERSISTED_OPERATIONS_ONLY: 'true', PERSISTED_OPERATIONS_FILE: file });

  it('reads relay and graphql-codegen maps and Apollo manifests', () => {
    const map = loadConfig(only(fileWith('map.json', JSON.stringify({ abc: viewerQuery }))));
    expect([...(map.persistedOperations?.documents ?? [])]).toEqual([['abc', viewerQuery]]);
    const apollo = {
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [{ id: sha256(viewerQuery), name: 'Viewer', type: 'query', body: viewerQuery }],
    };
    const fromApollo = loadConfig(only(fileWith('apollo.json', JSON.stringify(apollo))));
    expect(fromApollo.persistedOperations?.documents.get(sha256(viewerQuery))).toBe(viewerQuery);
    expect(loadConfig({}).persistedOperations).toBeUndefined();
  });

  it('stops the server with a clear message for a missing, unreadable or wrong file, or a half setting', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ PERSISTED_OPERATIONS_ONLY: 'true' }, /PERSISTED_OPERATIONS_FILE: PERSISTED_OPERATIONS_ONLY=true needs/],
      [{ PERSISTED_OPERATIONS_FILE: fileWith('alone.json', '{"a":"{ viewer { owner } }"}') }, /read only with/],
      [only(`${folder.path}/missing.json`), /PERSISTED_OPERATIONS_FILE: .*missing\.json: ENOENT/],
      [only(fileWith('broken.json', '{"a":')), /broken\.json: .*JSON/],
      [only(fileWith('array.json', '["{ viewer { owner } }"]')), /not a JSON object of operation id -> document/],
      [only(fileWith('empty.json', '{}')), /lists no operation/],
      [only(fileWith('numbers.json', '{"a":1}')), /a: .*string/],
      [only(fileWith('apollo.json', '{"format":"apollo-persisted-query-manifest","version":2}')), /Apollo/],
    ];
    for (const [environment, message] of cases) {
      expect(load(environment)).toThrow(ConfigError);
      expect(load(environment)).toThrow(message);
    }
  });
});
