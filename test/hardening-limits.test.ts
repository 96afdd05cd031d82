import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { getIntrospectionQuery } from 'graphql';
import type { Client } from 'graphql-ws';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { GraphQLResult } from '../harness/graphql.js';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import type { AppOptions } from '../src/app.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { runUntil, startOnManualClock } from './support/drive.js';
import {
  createJob,
  createVideoMutation,
  gatewayFixture,
  jobFields,
  startFakeSegmind,
  startGateway,
  statusOf,
} from './support/gateway.js';

const fixture = gatewayFixture('all');
const cleanup = cleanupAfterEach();

/** A gateway with its own environment and app options, closed after the test. */
async function customGateway(environment: Record<string, string>, app: Partial<AppOptions> = {}) {
  const folder = temporaryDirectory();
  const upstream = await startFakeSegmind();
  const gateway = await startGateway({ upstream, databasePath: `${folder.path}/jobs.sqlite`, environment, app });
  cleanup(
    folder.remove,
    () => upstream.close(),
    () => gateway.close(),
  );
  return gateway;
}

/** One POST; `accept` defaults to plain JSON, under which Yoga answers parse and validation errors 200. */
async function post(url: string, body: unknown, accept = 'application/json') {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as GraphQLResult<Record<string, unknown>>;
  return { status: response.status, answer, ms: performance.now() - started };
}

async function expectStillServing(url: string) {
  const { status, answer } = await post(url, { query: '{ __typename }' });
  expect(status).toBe(200);
  expect(answer.data).toEqual({ __typename: 'Query' });
}

const nestedFragments = (levels: number) =>
  `{ viewer { ${'... on Viewer { '.repeat(levels)}owner${' }'.repeat(levels)} } }`;
const aliases = (count: number) =>
  `{ ${Array.from({ length: count }, (_, i) => `a${i}: viewer { owner }`).join(' ')} }`;
const directives = (count: number) => `{ ${'__typename @include(if: true) '.repeat(count)}}`;
const ofTypeChain = (levels: number) =>
  `{ __schema { types { ${'ofType { '.repeat(levels)}name${' }'.repeat(levels)} } } }`;
const fullPage = (first: number) => `{ videoJobs(first: ${first}) { edges { cursor node { ${jobFields} } } } }`;

describe('operation limits over HTTP', () => {
  const overLimit: [string, string, RegExp][] = [
    ['depth 11', nestedFragments(9), /depth limit of 10/],
    ['16 aliases', aliases(16), /Aliases limit of 15/i],
    ['21 directives', directives(21), /Directives limit of 20/i],
    ['cost over 5000 (a full page of 100 jobs)', fullPage(100), /Cost limit of 5000/i],
    ['2,000-deep introspection ofType chain', ofTypeChain(2000), /Token limit of 2000/],
    ['a 200,000-character document', `{ __typename ${' '.repeat(200_000)}}`, /at most 100000/],
  ];

  it.each(overLimit)(
    'refuses %s with a fast 400 and a GraphQL error, then keeps serving',
    async (_name, query, message) => {
      for (const accept of ['application/json', 'application/graphql-response+json']) {
        const { status, answer, ms } = await post(fixture.gateway.url, { query }, accept);
        expect(status).toBe(400);
        expect(answer.data).toBeUndefined();
        expect(answer.errors?.[0]?.message).toMatch(message);
        expect(answer.errors?.[0]?.extensions?.code).toBe('OPERATION_LIMIT');
        expect(ms).toBeLessThan(1000);
      }
      await expectStillServing(fixture.gateway.url);
    },
  );

  it.each([
    ['depth 10', nestedFragments(8)],
    ['15 aliases', aliases(15)],
    ['20 directives', directives(20)],
    ['a page of 50 jobs with every field (cost 4,253)', fullPage(50)],
  ])('answers an operation at the limit: %s', async (_name, query) => {
    const { status, answer } = await post(fixture.gateway.url, { query });
    expect(answer.errors).toBeUndefined();
    expect(status).toBe(200);
  });

  it("answers GraphiQL's schema query, and refuses nested introspection lists", async () => {
    const schemaQuery = await post(fixture.gateway.url, {
      query: getIntrospectionQuery({ inputValueDeprecation: true }),
    });
    expect(schemaQuery.status).toBe(200);
    expect(schemaQuery.answer.data?.__schema).toBeDefined();
    const nested = '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }';
    const refused = await post(fixture.gateway.url, { query: nested });
    expect(refused.answer.data).toBeUndefined();
    expect(refused.answer.errors?.[0]?.message).toMatch(/introspection depth/i);
  });

  it('refuses an overlong document before parsing it: a syntax error in it goes unreported', async () => {
    const { status, answer } = await post(fixture.gateway.url, { query: `{ ( ${'x '.repeat(60_000)}` });
    expect(status).toBe(400);
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors?.[0]?.message).toMatch(/^the document is 120004 characters long/);
  });

  it('refuses a batched request (an array body)', async () => {
    const { status, answer } = await post(fixture.gateway.url, [
      { query: '{ __typename }' },
      { query: '{ __typename }' },
    ]);
    expect(status).toBe(400);
    expect(answer.errors?.[0]?.message).toMatch(/Batching is not supported/);
  });
});

/** Streams `totalMb` MiB of body (one reused 1 MiB chunk); `sentMb` is how much the client had produced. */
async function upload(url: string, totalMb: number, headers: Record<string, string> = {}) {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  const progress = { sentMb: 0 };
  async function* body() {
    while (progress.sentMb < totalMb) {
      progress.sentMb++;
      yield chunk;
    }
  }
  const started = performance.now();
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    // Byte mode, so the client reads ahead one chunk at a time and `sentMb` tracks what went out.
    body: Readable.from(body(), { objectMode: false }),
  });
  const ms = performance.now() - started;
  const sentAtAnswerMb = progress.sentMb;
  const answer = (await response.body.json()) as GraphQLResult<unknown>;
  return { status: response.statusCode, answer, ms, sentAtAnswerMb };
}

describe('MAX_REQUEST_BYTES (default 40 MB)', () => {
  const capMb = 40;

  it('answers a Content-Length over the cap with 413 at once, without reading the body', async () => {
    const result = await upload(fixture.gateway.url, 200, { 'content-length': String(200 * 1024 * 1024) });
    expect(result.status).toBe(413);
    expect(result.answer.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    // What the client had produced is what fits in socket buffers, far below the cap.
    expect(result.sentAtAnswerMb).toBeLessThan(capMb);
    await expectStillServing(fixture.gateway.url);
  });

  it('tells a client that asks first (Expect: 100-continue) to send its body only when it is within the cap', async () => {
    const ask = (length: number, body?: string) =>
      new Promise<{ status: number; continued: boolean; text: string }>((resolve, reject) => {
        let continued = false;
        const headers = {
          'content-type': 'application/json',
          'content-length': String(length),
          expect: '100-continue',
        };
        const asking = httpRequest(fixture.gateway.url, { method: 'POST', headers });
        asking.on('continue', () => {
          continued = true;
          asking.end(body);
        });
        asking.on('response', async (response) => {
          let text = '';
          for await (const chunk of response) text += chunk;
          resolve({ status: response.statusCode ?? 0, continued, text });
          asking.destroy();
        });
        asking.on('error', reject);
        asking.flushHeaders();
      });
    const refused = await ask(200 * 1024 * 1024);
    expect(refused).toMatchObject({ status: 413, continued: false });
    const body = JSON.stringify({ query: '{ __typename }' });
    expect(await ask(Buffer.byteLength(body), body)).toEqual({
      status: 200,
      continued: true,
      text: JSON.stringify({ data: { __typename: 'Query' } }),
    });
  });

  it('cuts a streamed 200 MB body off with 413 once it passes the cap: fast, memory flat, still serving', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 2);
    const result = await upload(fixture.gateway.url, 200);
    clearInterval(sampler);
    expect(result.status).toBe(413);
    expect(result.answer.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(result.sentAtAnswerMb).toBeLessThan(capMb + 20);
    expect(result.ms).toBeLessThan(3000);
    // The server (in this process) holds at most the 40 MB it may read; never the 200 MB body.
    expect((peak - before) / 1024 ** 2).toBeLessThan(80);
    await expectStillServing(fixture.gateway.url);
  });

  it('closes a WebSocket whose message is over the cap with 1009; other sockets are unaffected', async () => {
    const gateway = await customGateway({ MAX_REQUEST_BYTES: String(1024 * 1024) });
    const bystander = gateway.wsClient();
    expect(await single(bystander, '{ __typename }')).toEqual({ data: { __typename: 'Query' } });

    const socket = await openSocket(gateway.wsUrl);
    const closed = closeOf(socket);
    socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(2 * 1024 * 1024) } }));
    expect((await closed).code).toBe(1009);

    expect(await single(bystander, '{ __typename }')).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('graphql-ws connections', () => {
  it('closes a socket that never sends connection_init with 4408', async () => {
    const gateway = await customGateway({}, { connectionInitWaitTimeoutMs: 200 });
    const socket = await openSocket(gateway.wsUrl);
    expect(await closeOf(socket)).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
  });

  it('answers bad documents with an error for their id alone; a live subscription on the socket keeps receiving', async () => {
    const { clock, gateway } = await startOnManualClock({}, {}, cleanup);
    const id = await createJob(gateway);
    const client = gateway.wsClient();
    let socketClosed = false;
    client.on('closed', () => {
      socketClosed = true;
    });

    const statuses: string[] = [];
    let firstPayload: () => void = () => {};
    const snapshot = new Promise<void>((resolve) => {
      firstPayload = resolve;
    });
    const live = new Promise<void>((resolve, reject) => {
      client.subscribe<{ videoJob: { status: string } }>(
        { query: 'subscription ($id: ID!) { videoJob(id: $id) { status } }', variables: { id } },
        {
          next: (result) => {
            if (result.data) statuses.push(result.data.videoJob.status);
            firstPayload();
          },
          error: (error) => reject(new Error(JSON.stringify(error))),
          complete: resolve,
        },
      );
    });
    await snapshot;

    const bad: [string, string, Record<string, unknown>, RegExp][] = [
      ['syntax error', 'subscription { videoJob(', {}, /^Syntax Error/],
      ['unknown field', 'subscription { nope }', {}, /Cannot query field "nope"/],
      [
        'wrong variable type',
        'subscription ($id: ID!) { videoJob(id: $id) { status } }',
        { id: { not: 'an id' } },
        /Variable "\$id" got invalid value/,
      ],
      [
        'depth limit',
        `subscription { videoJob(id: "x") { ${'... on VideoJob { '.repeat(11)}id${' }'.repeat(11)} } }`,
        {},
        /depth limit/,
      ],
      ['token limit', ofTypeChain(2000).replace(/^\{/, 'subscription {'), {}, /Token limit/],
    ];
    for (const [name, query, variables, message] of bad) {
      const errors = await errorsFor(client, query, variables);
      expect(errors, name).toHaveLength(1);
      expect(errors[0]?.message, name).toMatch(message);
      expect(errors[0]?.extensions?.code, name).toBeTruthy();
      // The HTTP status and headers an error asks for over HTTP mean nothing on a socket.
      expect(errors[0]?.extensions?.http, name).toBeUndefined();
    }
    // An unknown id and a mutation are operations that run: answered on their own id, the socket untouched.
    const unknownJob = await resultsFor(client, 'subscription { videoJob(id: "VmlkZW9Kb2I6OTk5OTk5") { id } }', {});
    expect(unknownJob[0]?.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const mutation = await resultsFor(client, createVideoMutation, {
      input: { image: 'https://example.com/cat.png', prompt: 'sent over the socket' },
    });
    expect(mutation[0]?.data).toMatchObject({ createVideo: { __typename: 'CreateVideoSuccess' } });

    await runUntil(clock, gateway, () => statusOf(gateway, id) === 'COMPLETED', 120_000);
    await live;
    expect(statuses.at(-1)).toBe('COMPLETED');
    expect(statuses.length).toBeGreaterThan(1);
    expect(socketClosed).toBe(false);
  });
});

function openSocket(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  cleanup(() => socket.terminate());
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

function closeOf(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
}

/** The one result of a query over graphql-ws. */
function single(client: Client, query: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let result: unknown;
    client.subscribe({ query }, { next: (value) => (result = value), error: reject, complete: () => resolve(result) });
  });
}

/** The `error` message graphql-ws answered an operation with; fails on anything else. */
/** Every result of one operation until it completes; an operation error fails. */
function resultsFor(client: Client, query: string, variables: Record<string, unknown>) {
  const results: { data?: unknown; errors?: readonly { extensions?: Record<string, unknown> }[] }[] = [];
  return new Promise<typeof results>((resolve, reject) => {
    client.subscribe(
      { query, variables },
      {
        next: (value) => results.push(value as (typeof results)[number]),
        error: (error) => reject(new Error(`operation error: ${JSON.stringify(error)}`)),
        complete: () => resolve(results),
      },
    );
  });
}

function errorsFor(client: Client, query: string, variables: Record<string, unknown>) {
  return new Promise<{ message: string; extensions?: Record<string, unknown> }[]>((resolve, reject) => {
    client.subscribe(
      { query, variables },
      {
        next: (value) => reject(new Error(`unexpected result ${JSON.stringify(value)}`)),
        error: (error) =>
          Array.isArray(error) ? resolve(error) : reject(new Error(`not an operation error: ${String(error)}`)),
        complete: () => reject(new Error('completed without an error')),
      },
    );
  });
}
