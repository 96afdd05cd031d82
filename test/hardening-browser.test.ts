import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { GraphQLResult } from '../harness/graphql.js';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import { openViewer } from '../src/domain/access.js';
import { subscribeOnceOverWebSocket } from './support/auth.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { createVideoMutation, gatewayFixture, startFakeSegmind, startGateway } from './support/gateway.js';

const fixture = gatewayFixture('all');
const cleanup = cleanupAfterEach();

async function customGateway(environment: Record<string, string>) {
  const folder = temporaryDirectory();
  const upstream = await startFakeSegmind();
  const gateway = await startGateway({ upstream, databasePath: `${folder.path}/jobs.sqlite`, environment });
  cleanup(
    folder.remove,
    () => upstream.close(),
    () => gateway.close(),
  );
  return gateway;
}

const query = JSON.stringify({ query: '{ __typename }' });

/** The CORS headers of an answer, by name. */
const corsHeaders = (response: Response) =>
  Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-') || name === 'vary'));

/** The HTTP status a WebSocket upgrade is answered with (101 when it opens). */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  const socket = new WebSocket(url, 'graphql-transport-ws', { headers });
  cleanup(() => socket.terminate());
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(101));
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('error', reject);
  });
}

describe('an open install (loopback, no token required) and web pages', () => {
  const create = (origin: string | undefined, host?: string) =>
    request(fixture.gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(origin ? { origin } : {}),
        ...(host ? { host } : {}),
      },
      body: JSON.stringify({
        query: createVideoMutation,
        variables: { input: { image: 'https://example.com/cat.png', prompt: 'paid by whom?' } },
      }),
    });

  it('refuses a tokenless request from another origin, even with CORS_ORIGINS=*: nothing stored', async () => {
    const before = fixture.gateway.app.jobs.page(openViewer, { limit: 100, order: 'newest' }).length;
    const answer = await create('https://evil.example');
    expect(answer.statusCode).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer');
    expect(((await answer.body.json()) as GraphQLResult<unknown>).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    expect(fixture.gateway.app.jobs.page(openViewer, { limit: 100, order: 'newest' }).length).toBe(before);
    // The WebSocket too: its connection_init is refused.
    const outcome = await subscribeOnceOverWebSocket(
      fixture.gateway.url,
      undefined,
      '{ __typename }',
      {},
      'https://evil.example',
    );
    expect(outcome).toEqual({ kind: 'closed', code: 4403 });
  });

  it('serves pages of its own origin (GraphiQL, the web app) and non-browser clients without a token', async () => {
    const own = new URL(fixture.gateway.url);
    expect((await create(own.origin)).statusCode).toBe(200);
    expect((await create(undefined)).statusCode).toBe(200);
  });

  it('serves a tokenless page from an origin CORS_ORIGINS names', async () => {
    const gateway = await customGateway({ CORS_ORIGINS: 'https://app.example' });
    const answer = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://app.example' },
      body: query,
    });
    expect(answer.status).toBe(200);
  });
});

describe('CORS_ORIGINS', () => {
  it('allows any origin by default for requests with a token, never with credentials', async () => {
    const token = fixture.gateway.app.tokens.create({ owner: 'web', scopes: ['jobs:read'] }).secret;
    const response = await fetch(fixture.gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: 'https://anywhere.example',
        authorization: `Bearer ${token}`,
      },
      body: query,
    });
    expect(response.status).toBe(200);
    expect(corsHeaders(response)).toEqual({
      'access-control-allow-origin': 'https://anywhere.example',
      vary: 'Origin',
    });
  });

  it('gives listed origins the allow headers, credentials never, and others no CORS header at all', async () => {
    const gateway = await customGateway({ CORS_ORIGINS: 'https://app.example, https://admin.example' });
    const preflight = (origin: string) =>
      fetch(gateway.url, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization',
        },
      });
    const allowed = await preflight('https://admin.example');
    expect(allowed.status).toBe(204);
    expect(corsHeaders(allowed)).toEqual({
      'access-control-allow-origin': 'https://admin.example',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type,authorization',
      vary: 'Origin, Access-Control-Request-Headers',
    });
    expect(corsHeaders(await preflight('https://evil.example'))).toEqual({});

    const post = (origin: string) =>
      fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: query });
    expect(corsHeaders(await post('https://app.example'))).toEqual({
      'access-control-allow-origin': 'https://app.example',
      vary: 'Origin',
    });
    const refused = await post('https://evil.example');
    expect(corsHeaders(refused)).toEqual({});
  });

  it('refuses WebSocket upgrades from other origins with 403; non-browser clients (no Origin) pass', async () => {
    const gateway = await customGateway({ CORS_ORIGINS: 'https://app.example' });
    expect(await upgradeStatus(gateway.wsUrl, { origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(gateway.wsUrl, { origin: 'https://app.example' })).toBe(101);
    expect(await upgradeStatus(gateway.wsUrl, {})).toBe(101);
  });
});

describe('CSRF prevention', () => {
  const mutation = JSON.stringify({
    query: createVideoMutation,
    variables: { input: { image: 'https://example.com/cat.png', prompt: 'a page made me do it' } },
  });
  const jobCount = async () => {
    const answer = await fixture.gateway.graphql<{ videoJobs: { edges: unknown[] } }>(
      '{ videoJobs(first: 100) { edges { cursor } } }',
    );
    return answer.data?.videoJobs.edges.length;
  };

  it.each([
    ['a form', 'application/x-www-form-urlencoded', `query=${encodeURIComponent(createVideoMutation)}`],
    ['text/plain', 'text/plain;charset=UTF-8', mutation],
    [
      'multipart',
      'multipart/form-data; boundary=x',
      `--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${mutation}\r\n--x--\r\n`,
    ],
    ['no content type', undefined, mutation],
  ])('refuses a POST that a page could send without a preflight: %s', async (_name, contentType, body) => {
    const before = await jobCount();
    const response = await fetch(fixture.gateway.url, {
      method: 'POST',
      headers: contentType ? { 'content-type': contentType } : {},
      // A string body gets text/plain from fetch; a Blob without a type sends no content type at all.
      body: contentType ? body : new Blob([body]),
    });
    expect(response.status).toBe(403);
    const answer = (await response.json()) as GraphQLResult<unknown>;
    expect(answer.errors?.[0]?.extensions?.code).toBe('CSRF_PREVENTED');
    expect(await jobCount()).toBe(before);
  });

  it('lets such a POST through with a header no page can add without a preflight', async () => {
    const created = await fixture.gateway.graphql<{ createApiToken: { secret: string } }>(
      'mutation { createApiToken(input: { owner: "csrf-test" }) { ... on CreateApiTokenSuccess { secret } } }',
    );
    const secret = created.data?.createApiToken.secret;
    const form = `query=${encodeURIComponent('{ __typename }')}`;
    const headers: Record<string, string>[] = [
      { 'x-graphql-yoga-csrf': '1' },
      { 'apollo-require-preflight': 'true' },
      { authorization: `Bearer ${secret}` },
    ];
    for (const header of headers) {
      const response = await fetch(fixture.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...header },
        body: form,
      });
      expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    }
  });

  it('keeps GraphQL-over-HTTP GET queries and JSON POSTs working without any extra header', async () => {
    const get = await fetch(`${fixture.gateway.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
    const post = await fetch(fixture.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: query,
    });
    expect(await post.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('DNS rebinding guard', () => {
  const withHost = async (url: string, host: string) => {
    const response = await request(url, {
      method: 'POST',
      headers: { host, 'content-type': 'application/json' },
      body: query,
    });
    return { status: response.statusCode, answer: (await response.body.json()) as GraphQLResult<unknown> };
  };

  it('while bound to loopback, refuses requests and upgrades whose Host is not a loopback name (403)', async () => {
    const { port } = new URL(fixture.gateway.url);
    for (const host of [
      `evil.example:${port}`,
      'evil.example',
      `192.168.1.20:${port}`,
      `localhost.evil.example:${port}`,
    ]) {
      const refused = await withHost(fixture.gateway.url, host);
      expect(refused.status, host).toBe(403);
      expect(refused.answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN_HOST');
      expect(await upgradeStatus(fixture.gateway.wsUrl, { host })).toBe(403);
    }
    for (const host of [
      `localhost:${port}`,
      `app.localhost:${port}`,
      `127.0.0.2:${port}`,
      `[::1]:${port}`,
      'LOCALHOST',
    ]) {
      expect((await withHost(fixture.gateway.url, host)).status, host).toBe(200);
    }
  });

  it('bound to all interfaces, lets any Host through', async () => {
    const gateway = await customGateway({ HOST: '0.0.0.0', AUTH_REQUIRED: 'false' });
    const url = gateway.url.replace('0.0.0.0', '127.0.0.1');
    const answered = await withHost(url, 'gateway.example');
    expect(answered.status).toBe(200);
    expect(answered.answer).toEqual({ data: { __typename: 'Query' } });
    expect(await upgradeStatus(url.replace(/^http/, 'ws'), { host: 'gateway.example' })).toBe(101);
  });
});

describe('INTROSPECTION=false', () => {
  it('refuses the schema query, hides field suggestions, and still serves GraphiQL and ordinary queries', async () => {
    const gateway = await customGateway({ INTROSPECTION: 'false' });
    const schema = await gateway.graphql('{ __schema { types { name } } }');
    expect(schema.data).toBeUndefined();
    expect(schema.errors?.[0]?.message).toMatch(/introspection/i);

    const typo = await gateway.graphql('{ viewr { owner } }');
    expect(typo.errors?.[0]?.message).toMatch(/Cannot query field "viewr"/);
    expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);

    const graphiql = await fetch(gateway.url, { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(200);
    expect(await graphiql.text()).toMatch(/<title>wan-i2v-gateway<\/title>/);
    expect((await gateway.graphql('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });
});
