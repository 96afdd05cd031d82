import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createClient } from 'graphql-ws';
import { beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import { openDatabase } from '../src/db/connection.js';
import type { Scope } from '../src/domain/access.js';
import { TokenService } from '../src/services/access/token-service.js';
import { systemClock } from '../src/services/clock.js';
import { dataField, requestAs, subscribeOnceOverSse, subscribeOnceOverWebSocket } from './support/auth.js';
import { createVideoMutation, gatewayFixture, type TestGateway } from './support/gateway.js';
import { ManualClock } from './support/manual-clock.js';

const listQuery = '{ videoJobs(first: 10) { edges { node { id owner } } } }';
const jobQuery = 'query ($id: ID!) { videoJob(id: $id) { id owner } }';
const subscription = 'subscription ($id: ID!) { videoJob(id: $id) { id status } }';
const input = { image: 'https://example.com/cat.png', prompt: 'a cat surfing a wave' };

let gateway: TestGateway;
/** Token secrets by role; `revoked` was revoked, `bad` never existed. */
const tokens: Record<string, string> = {};
/** A job of owner alice. */
let aliceJob: string;

const make = (owner: string, scopes: Scope[]) => gateway.app.tokens.create({ owner, scopes }).secret;

// Jobs that stay PROCESSING for the whole file, on a gateway that requires tokens.
const fixture = gatewayFixture('all', { processingMs: 60_000 }, { AUTH_REQUIRED: 'true' });

beforeAll(async () => {
  ({ gateway } = fixture);
  tokens.owner = make('alice', ['jobs:read', 'jobs:write']);
  tokens.readOnly = make('alice', ['jobs:read']);
  tokens.writeOnly = make('alice', ['jobs:write']);
  tokens.otherOwner = make('bob', ['jobs:read', 'jobs:write']);
  tokens.admin = make('ops', ['admin']);
  const revoked = gateway.app.tokens.create({ owner: 'alice', scopes: ['jobs:read', 'jobs:write'] });
  gateway.app.tokens.revoke(revoked.token.id);
  tokens.revoked = revoked.secret;
  tokens.bad = `wan_${'x'.repeat(43)}`;
  const created = await requestAs(gateway.url, tokens.owner, createVideoMutation, { input });
  aliceJob = dataField<{ job: { id: string } }>(created, 'createVideo').job.id;
});

/** What a caller sees: `401`, `FORBIDDEN`, `NOT_FOUND` / `hidden` (another owner's job), or `ok`. */
type Seen = '401' | 'FORBIDDEN' | 'NOT_FOUND' | 'hidden' | 'ok';

const entryPoints: Record<string, (token: string | undefined) => Promise<Seen>> = {
  'HTTP POST query videoJob': async (token) => {
    const answer = await requestAs(gateway.url, token, jobQuery, { id: aliceJob });
    if (answer.status === 401) return '401';
    if (answer.body.errors?.[0]?.extensions?.code === 'FORBIDDEN') return 'FORBIDDEN';
    return answer.body.data?.videoJob === null ? 'hidden' : 'ok';
  },
  'HTTP GET query videoJobs': async (token) => {
    const answer = await requestAs(gateway.url, token, listQuery, {}, 'GET');
    if (answer.status === 401) return '401';
    if (answer.body.errors?.[0]?.extensions?.code === 'FORBIDDEN') return 'FORBIDDEN';
    const owners = dataField<{ edges: { node: { id: string } }[] }>(answer, 'videoJobs').edges.map(
      (edge) => edge.node.id,
    );
    return owners.includes(aliceJob) ? 'ok' : 'hidden';
  },
  'HTTP POST mutation createVideo': async (token) => {
    const answer = await requestAs(gateway.url, token, createVideoMutation, { input });
    if (answer.status === 401) return '401';
    if (answer.body.errors?.[0]?.extensions?.code === 'FORBIDDEN') return 'FORBIDDEN';
    return dataField<{ __typename: string }>(answer, 'createVideo').__typename === 'CreateVideoSuccess'
      ? 'ok'
      : 'hidden';
  },
  'SSE subscription videoJob': async (token) => {
    const { status, firstEvent } = await subscribeOnceOverSse(gateway.url, token, subscription, { id: aliceJob });
    if (status === 401) return '401';
    if (firstEvent.includes('FORBIDDEN')) return 'FORBIDDEN';
    if (firstEvent.includes('NOT_FOUND')) return 'NOT_FOUND';
    return firstEvent.includes('"status"') ? 'ok' : 'hidden';
  },
  'graphql-ws subscription videoJob': async (token) => {
    const outcome = await subscribeOnceOverWebSocket(gateway.url, token, subscription, { id: aliceJob });
    if (outcome.kind === 'closed') return outcome.code === 4403 ? '401' : 'hidden';
    if (outcome.kind === 'error') return outcome.code === 'FORBIDDEN' ? 'FORBIDDEN' : (outcome.code as Seen);
    return 'ok';
  },
  'HTTP POST admin mutation createApiToken': async (token) => {
    const answer = await requestAs(
      gateway.url,
      token,
      'mutation { createApiToken(input: { owner: "carol" }) { __typename ... on CreateApiTokenSuccess { secret } } }',
    );
    if (answer.status === 401) return '401';
    if (answer.body.errors?.[0]?.extensions?.code === 'FORBIDDEN') return 'FORBIDDEN';
    return 'ok';
  },
};

/** Who asks -> what each entry point answers (columns in the order of `entryPoints`). */
const expected: Record<string, Seen[]> = {
  'no token': ['401', '401', '401', '401', '401', '401'],
  'bad token': ['401', '401', '401', '401', '401', '401'],
  'revoked token': ['401', '401', '401', '401', '401', '401'],
  'token without jobs:read': ['FORBIDDEN', 'FORBIDDEN', 'ok', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN'],
  'token without jobs:write': ['ok', 'ok', 'FORBIDDEN', 'ok', 'ok', 'FORBIDDEN'],
  "another owner's token": ['hidden', 'hidden', 'ok', 'NOT_FOUND', 'NOT_FOUND', 'FORBIDDEN'],
  "the owner's token": ['ok', 'ok', 'ok', 'ok', 'ok', 'FORBIDDEN'],
  'admin token': ['ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
};
const tokenFor: Record<string, () => string | undefined> = {
  'no token': () => undefined,
  'bad token': () => tokens.bad,
  'revoked token': () => tokens.revoked,
  'token without jobs:read': () => tokens.writeOnly,
  'token without jobs:write': () => tokens.readOnly,
  "another owner's token": () => tokens.otherOwner,
  "the owner's token": () => tokens.owner,
  'admin token': () => tokens.admin,
};

describe('every entry point x every kind of caller (AUTH_REQUIRED=true)', () => {
  it.each(Object.keys(expected))('%s', async (caller) => {
    const seen: Seen[] = [];
    for (const check of Object.values(entryPoints)) seen.push(await check(tokenFor[caller]?.()));
    expect(Object.fromEntries(Object.keys(entryPoints).map((name, index) => [name, seen[index]]))).toEqual(
      Object.fromEntries(Object.keys(entryPoints).map((name, index) => [name, expected[caller]?.[index]])),
    );
  });

  it('answers 401 with WWW-Authenticate: Bearer and UNAUTHENTICATED', async () => {
    const answer = await requestAs(gateway.url, undefined, listQuery);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('revocation', () => {
  it('closes an open WebSocket with 4403 within 5 s; its subscription ends', async () => {
    const made = gateway.app.tokens.create({ owner: 'alice', scopes: ['jobs:read'] });
    const client = createClient({
      url: gateway.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${made.secret}` },
    });
    const closed = new Promise<number>((resolve) =>
      client.on('closed', (event) => resolve((event as CloseEvent).code)),
    );
    const ended = new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: subscription, variables: { id: aliceJob } },
        { next: () => {}, error: resolve, complete: () => resolve('complete') },
      );
    });
    await new Promise((resolve) => client.on('connected', resolve));
    const revokedAt = Date.now();
    await requestAs(gateway.url, tokens.admin, 'mutation ($id: ID!) { revokeApiToken(id: $id) { revokedAt } }', {
      id: String(made.token.id),
    });
    expect(await closed).toBe(4403);
    expect(Date.now() - revokedAt).toBeLessThan(5000);
    expect(await ended).not.toBe('complete');
    await client.dispose();
  });

  it('ends an open SSE subscription with UNAUTHENTICATED within 5 s', async () => {
    const made = gateway.app.tokens.create({ owner: 'alice', scopes: ['jobs:read'] });
    const response = await fetch(
      `${gateway.url}?${new URLSearchParams({ query: subscription, variables: JSON.stringify({ id: aliceJob }) })}`,
      { headers: { accept: 'text/event-stream', authorization: `Bearer ${made.secret}` } },
    );
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('"status"')) text += decoder.decode((await reader.read()).value, { stream: true });
    const revokedAt = Date.now();
    gateway.app.tokens.revoke(made.token.id);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(Date.now() - revokedAt).toBeLessThan(5000);
    expect(text).toContain('UNAUTHENTICATED');
  });

  it('lets an SSE client with a token go away without leaving its subscription behind', async () => {
    const made = gateway.app.tokens.create({ owner: 'alice', scopes: ['jobs:read'] });
    // Who listens to a job's changes: the pub/sub's watchers, private, read here only to see the leak.
    const watching = () =>
      (gateway.app.jobs as unknown as { pubsub: { watchers: Map<number, unknown> } }).pubsub.watchers.size;
    const before = watching();
    const controller = new AbortController();
    const response = await fetch(
      `${gateway.url}?${new URLSearchParams({ query: subscription, variables: JSON.stringify({ id: aliceJob }) })}`,
      { headers: { accept: 'text/event-stream', authorization: `Bearer ${made.secret}` }, signal: controller.signal },
    );
    await (response.body as ReadableStream<Uint8Array>).getReader().read();
    expect(watching()).toBe(before + 1);
    controller.abort();
    await expect.poll(watching).toBe(before);
  });

  it('refuses a tokenless request before reading its body', async () => {
    // A body that never ends: only a server that answers before reading it can answer at all.
    const target = new URL(gateway.url);
    const outgoing = httpRequest({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    outgoing.on('error', () => {});
    outgoing.write(Buffer.alloc(1024 * 1024, 'a'));
    const response = await new Promise<IncomingMessage>((resolve) => outgoing.on('response', resolve));
    outgoing.destroy();
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('takes effect at once for new requests, even when another process (the CLI) revokes', async () => {
    const made = gateway.app.tokens.create({ owner: 'alice', scopes: ['jobs:read'] });
    expect((await requestAs(gateway.url, made.secret, '{ viewer { owner } }')).status).toBe(200);
    const elsewhere = openDatabase(gateway.databasePath);
    new TokenService(elsewhere, systemClock).revoke(made.token.id);
    elsewhere.close();
    expect((await requestAs(gateway.url, made.secret, '{ viewer { owner } }')).status).toBe(401);
  });

  it('records lastUsedAt, at most once a minute', () => {
    const folder = temporaryDirectory();
    const database = openDatabase(`${folder.path}/tokens.sqlite`);
    try {
      const clock = new ManualClock();
      const tokens = new TokenService(database, clock);
      const made = tokens.create({ owner: 'alice', scopes: ['jobs:read'] });
      const lastUsed = () =>
        tokens
          .list()
          .find((token) => token.id === made.token.id)
          ?.lastUsedAt?.getTime();
      const firstUse = clock.now();
      tokens.authenticate(made.secret);
      expect(lastUsed()).toBe(firstUse);
      clock.advance(59_000);
      tokens.authenticate(made.secret);
      expect(lastUsed()).toBe(firstUse);
      clock.advance(1000);
      tokens.authenticate(made.secret);
      expect(lastUsed()).toBe(firstUse + 60_000);
    } finally {
      database.close();
      folder.remove();
    }
  });
});
