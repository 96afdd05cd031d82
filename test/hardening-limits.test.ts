import { getIntrospectionQuery } from 'graphql';
import type { Client } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from './support/cleanup.js';
import { runUntil, startOnManualClock } from './support/drive.js';
import { createJob, gatewayFixture, jobFields, statusOf } from './support/gateway.js';
import type { GraphQLResult } from './support/process.js';

const fixture = gatewayFixture('all');
const cleanup = cleanupAfterEach();

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

describe('graphql-ws connections', () => {
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
    }

    await runUntil(clock, gateway, () => statusOf(gateway, id) === 'COMPLETED', 120_000);
    await live;
    expect(statuses.at(-1)).toBe('COMPLETED');
    expect(statuses.length).toBeGreaterThan(1);
    expect(socketClosed).toBe(false);
  });
});

/** The `error` message graphql-ws answered an operation with; fails on anything else. */
function errorsFor(client: Client, query: string, variables: Record<string, unknown>) {
  return new Promise<{ message: string }[]>((resolve, reject) => {
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
