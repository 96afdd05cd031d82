import { type Client, createClient } from 'graphql-sse';
import { describe, expect, it } from 'vitest';
import type { GraphQLResult } from '../../harness/graphql.js';
import { dataField, requestAs } from '../support/auth.js';
import { cleanupAfterEach } from '../support/cleanup.js';
import { defaultPolling, runUntil, startOnManualClock } from '../support/drive.js';
import {
  createJob,
  createVideoMutation,
  type GraphQLEndpoint,
  statusOf,
  type TestGateway,
} from '../support/gateway.js';

const cleanup = cleanupAfterEach();

const subscription = 'subscription ($id: ID!) { videoJob(id: $id) { version status } }';

/** The graphql-sse client as an app would create it, on the gateway's graphql-sse path. */
function sseClient(gateway: TestGateway, singleConnection: boolean, token?: string): Client {
  const client = createClient({
    url: `${gateway.url}/stream`,
    singleConnection,
    retryAttempts: 0,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  cleanup(() => client.dispose());
  return client;
}

/** Every payload of one subscription, and how it ended. */
function watch(client: Client, id: string) {
  const seen: { version: number; status: string }[] = [];
  const errors: unknown[] = [];
  let ended = false;
  client.subscribe<{ videoJob: { version: number; status: string } }>(
    { query: subscription, variables: { id } },
    {
      next: (result) => {
        if (result.data) seen.push(result.data.videoJob);
        if (result.errors) errors.push(...result.errors);
      },
      error: (error) => {
        errors.push(error);
        ended = true;
      },
      complete: () => {
        ended = true;
      },
    },
  );
  return { seen, errors, ended: () => ended };
}

/** The gateway as one token's holder sees it over HTTP. */
const endpointFor = (gateway: TestGateway, token: string): GraphQLEndpoint => ({
  async graphql<T>(query: string, variables?: Record<string, unknown>) {
    return (await requestAs(gateway.url, token, query, variables)).body as GraphQLResult<T>;
  },
});

const versionsInOrder = (seen: { version: number }[]) =>
  seen.every((each, index) => index === 0 || each.version > (seen[index - 1]?.version ?? 0));

describe('the graphql-sse client', () => {
  for (const singleConnection of [false, true]) {
    it(`watches jobs to COMPLETED in ${singleConnection ? 'single connection' : 'distinct connections'} mode`, async () => {
      const { clock, gateway } = await startOnManualClock(
        { queueMs: 1000, processingMs: 5000 },
        defaultPolling,
        cleanup,
      );
      const client = sseClient(gateway, singleConnection);
      const ids = [await createJob(gateway), await createJob(gateway)];
      const watchers = ids.map((id) => watch(client, id));
      await expect.poll(() => watchers.every((watcher) => watcher.seen.length > 0)).toBe(true);

      await runUntil(clock, gateway, () => ids.every((id) => statusOf(gateway, id) === 'COMPLETED'), 120_000);
      await expect.poll(() => watchers.every((watcher) => watcher.ended())).toBe(true);
      for (const watcher of watchers) {
        expect(watcher.errors).toEqual([]);
        expect(watcher.seen.at(-1)?.status).toBe('COMPLETED');
        expect(versionsInOrder(watcher.seen)).toBe(true);
      }
    });
  }

  it('answers a bad operation on a shared stream with an error for it alone', async () => {
    const { clock, gateway } = await startOnManualClock({ queueMs: 1000, processingMs: 5000 }, defaultPolling, cleanup);
    const client = sseClient(gateway, true);
    const id = await createJob(gateway);
    const good = watch(client, id);
    await expect.poll(() => good.seen.length).toBeGreaterThan(0);

    const bad: unknown[] = [];
    for (const query of [
      'subscription {',
      'subscription { nope }',
      'subscription ($id: ID!) { videoJob(id: $id) { status } }',
    ]) {
      const results: { errors?: readonly { extensions?: Record<string, unknown> }[] }[] = [];
      await new Promise<void>((resolve) => {
        client.subscribe(
          { query, variables: { id: { not: 'an id' } } },
          { next: (r) => void results.push(r), error: resolve, complete: resolve },
        );
      });
      bad.push(results[0]?.errors?.[0]?.extensions?.code ?? JSON.stringify(results));
    }
    expect(bad).toEqual(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

    await runUntil(clock, gateway, () => statusOf(gateway, id) === 'COMPLETED', 60_000);
    await expect.poll(() => good.seen.at(-1)?.status).toBe('COMPLETED');
    expect(good.errors).toEqual([]);
  });
});

describe('graphql-sse reserved streams, with tokens required', () => {
  async function start(environment: Record<string, string> = {}) {
    const started = await startOnManualClock(
      { queueMs: 1000, processingMs: 5000 },
      { ...defaultPolling, AUTH_REQUIRED: 'true', ...environment },
      cleanup,
    );
    const token = (owner: string) =>
      started.gateway.app.tokens.create({ owner, scopes: ['jobs:read', 'jobs:write'] }).secret;
    return { ...started, alice: token('alice'), bob: token('bob') };
  }

  const reserve = (gateway: TestGateway, token?: string) =>
    fetch(`${gateway.url}/stream`, { method: 'PUT', headers: token ? { authorization: `Bearer ${token}` } : {} });
  const open = (gateway: TestGateway, token: string, stream: string) =>
    fetch(`${gateway.url}/stream`, {
      headers: {
        accept: 'text/event-stream',
        authorization: `Bearer ${token}`,
        'x-graphql-event-stream-token': stream,
      },
    });

  it('refuses a reservation without a token, and one owner the stream of another', async () => {
    const { gateway, alice, bob } = await start();
    expect((await reserve(gateway)).status).toBe(401);
    const anonymous = await fetch(`${gateway.url}/stream`, { headers: { accept: 'text/event-stream' } });
    expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    expect(await anonymous.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    // graphql-sse's own refusals carry a code too (here: an operation for no stream at all).
    const nowhere = await fetch(`${gateway.url}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}` },
      body: JSON.stringify({ query: '{ viewer { owner } }' }),
    });
    expect(nowhere.status).toBe(404);
    expect(await nowhere.json()).toMatchObject({ errors: [{ extensions: { code: 'NOT_FOUND' } }] });
    const reserved = await reserve(gateway, alice);
    expect(reserved.status).toBe(201);
    const stream = await reserved.text();
    expect(stream).toMatch(/^[0-9a-f-]{36}$/);

    const stolen = await open(gateway, bob, stream);
    expect(stolen.status).toBe(404);
    expect(await stolen.json()).toMatchObject({ errors: [{ extensions: { code: 'NOT_FOUND' } }] });
    const mine = await open(gateway, alice, stream);
    expect(mine.status).toBe(200);
    const again = await open(gateway, alice, stream);
    expect(again.status).toBe(409);
    await again.body?.cancel();
    await mine.body?.cancel();
  });

  it('keeps at most 8 unopened reservations per owner: a 9th ends the oldest', async () => {
    const { gateway, alice } = await start();
    const streams: string[] = [];
    for (let index = 0; index < 9; index += 1) streams.push(await (await reserve(gateway, alice)).text());
    expect((await open(gateway, alice, streams[0] ?? '')).status).toBe(404);
    const newest = await open(gateway, alice, streams[8] ?? '');
    expect(newest.status).toBe(200);
    await newest.body?.cancel();
  });

  it('caps the operations one stream carries (MAX_SUBSCRIPTIONS_PER_CONNECTION)', async () => {
    const { gateway, alice } = await start({ MAX_SUBSCRIPTIONS_PER_CONNECTION: '2' });
    const client = sseClient(gateway, true, alice);
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const answer = await requestAs(gateway.url, alice, createVideoMutation, {
        input: { image: 'https://example.com/cat.png', prompt: 'a cat' },
      });
      ids.push(dataField<{ job: { id: string } }>(answer, 'createVideo').job.id);
    }
    const watchers = ids.map((id) => watch(client, id));
    await expect.poll(() => watchers.filter((watcher) => watcher.seen.length > 0).length).toBe(2);
    await expect.poll(() => watchers[2]?.errors.length).toBe(1);
    expect(watchers[2]?.errors[0]).toMatchObject({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } });
  });

  it('counts operations named by the ?token= parameter against the same cap', async () => {
    const { gateway, alice } = await start({ MAX_SUBSCRIPTIONS_PER_CONNECTION: '2' });
    const stream = await (await reserve(gateway, alice)).text();
    const opened = await open(gateway, alice, stream);
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) ids.push(await createJob(endpointFor(gateway, alice)));
    for (const [index, id] of ids.entries()) {
      const answer = await fetch(`${gateway.url}/stream?token=${stream}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}` },
        body: JSON.stringify({ query: subscription, variables: { id }, extensions: { operationId: `op${index}` } }),
      });
      expect(answer.status).toBe(202);
    }
    const reader = opened.body?.getReader();
    let text = '';
    while (reader && !text.includes('TOO_MANY_SUBSCRIPTIONS')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toMatch(/"id":"op2","payload":\{"data":null,"errors":\[\{"message":"at most 2 operations per stream/);
    await reader?.cancel();
  });
});

describe('CSRF prevention on /graphql/stream', () => {
  it('refuses a POST a web page could send without a preflight, as /graphql does', async () => {
    const { gateway } = await startOnManualClock({}, defaultPolling, cleanup);
    const forged = await fetch(`${gateway.url}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; x=application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'mutation { rotateNothing }' }),
    });
    expect(forged.status).toBe(403);
    expect(await forged.json()).toMatchObject({ errors: [{ extensions: { code: 'CSRF_PREVENTED' } }] });
  });
});
