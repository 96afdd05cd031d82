import { beforeAll, describe, expect, it } from 'vitest';
import { subscribeOnceOverWebSocket } from './support/auth.js';
import { createJob, gatewayFixture, waitForTerminal } from './support/gateway.js';

/** Global ids in creation order; ids[0] is the oldest. */
const ids: string[] = [];
let failedIds: string[];

const fixture = gatewayFixture('all', { queueMs: 20, processingMs: 20 });

beforeAll(async () => {
  for (let index = 0; index < 7; index++) {
    ids.push(
      await createJob(fixture.gateway, { prompt: index % 3 === 0 ? `job ${index} [sim:fail]` : `job ${index}` }),
    );
  }
  const finished = await Promise.all(ids.map((id) => waitForTerminal(fixture.gateway, id)));
  failedIds = finished.filter((job) => job.status === 'FAILED').map((job) => job.id);
});

interface Page {
  videoJobs: {
    edges: { cursor: string; node: { id: string; prompt: string } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  };
}

const pageQuery = `query ($first: Int, $after: String, $last: Int, $before: String, $status: [VideoJobStatus!]) {
  videoJobs(first: $first, after: $after, last: $last, before: $before, status: $status) {
    edges { cursor node { id prompt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

async function page(variables: Record<string, unknown>) {
  const answer = await fixture.gateway.graphql<Page>(pageQuery, variables);
  expect(answer.errors).toBeUndefined();
  return answer.data?.videoJobs as Page['videoJobs'];
}

const newestFirst = () => [...ids].reverse();

describe('Query.videoJobs', () => {
  it('pages forward through every job, newest first, with no overlap', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const result = await page({ first: 3, after });
      seen.push(...result.edges.map((edge) => edge.node.id));
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor ?? undefined;
    }
    expect(seen).toEqual(newestFirst());
  });

  it('pages backward with last/before', async () => {
    const lastTwo = await page({ last: 2 });
    expect(lastTwo.edges.map((edge) => edge.node.id)).toEqual(newestFirst().slice(-2));
    const before = await page({ last: 2, before: lastTwo.pageInfo.startCursor });
    expect(before.edges.map((edge) => edge.node.id)).toEqual(newestFirst().slice(-4, -2));
    expect(before.pageInfo.hasPreviousPage).toBe(true);
  });

  it('filters by status', async () => {
    const failed = await page({ first: 50, status: ['FAILED'] });
    expect(failed.edges.map((edge) => edge.node.id).sort()).toEqual([...failedIds].sort());
    expect(failed.edges.every((edge) => edge.node.prompt.includes('[sim:fail]'))).toBe(true);
    const both = await page({ first: 50, status: ['FAILED', 'COMPLETED'] });
    expect(both.edges).toHaveLength(ids.length);
    const none = await page({ first: 50, status: ['PENDING'] });
    expect(none.edges).toEqual([]);
  });

  it('answers a bad cursor or page size with a clear error', async () => {
    const badCursor = await fixture.gateway.graphql(pageQuery, { first: 2, after: 'garbage' });
    expect(badCursor.errors?.[0]?.message).toMatch(/invalid cursor/);
    const negative = await fixture.gateway.graphql(pageQuery, { first: -1 });
    expect(negative.errors?.[0]?.message).toMatch(/first/);
    for (const answer of [badCursor, negative]) expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses pages over 100 and first with last, with BAD_USER_INPUT', async () => {
    const tooLarge = await fixture.gateway.graphql(pageQuery, { first: 101 });
    expect(tooLarge.errors?.[0]).toMatchObject({
      message: 'first must be between 0 and 100',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const both = await fixture.gateway.graphql('query { videoJobs(first: 2, last: 2) { edges { cursor } } }');
    expect(both.errors?.[0]).toMatchObject({
      message: 'give first or last, not both',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});

describe('errors a client causes', () => {
  it.each([
    [
      'a missing required input field',
      'mutation ($i: CreateVideoInput!) { createVideo(input: $i) { __typename } }',
      { i: { image: 'https://example.com/a.png' } },
      'BAD_USER_INPUT',
    ],
    [
      'a variable of the wrong type',
      'query ($n: Int) { videoJobs(first: $n) { edges { cursor } } }',
      { n: 'x' },
      'BAD_USER_INPUT',
    ],
    ['a malformed node id', '{ node(id: "garbage") { id } }', {}, 'BAD_USER_INPUT'],
    ['a negative page size', '{ videoJobs(last: -3) { edges { cursor } } }', {}, 'BAD_USER_INPUT'],
    ['an unknown field', '{ nope }', {}, 'GRAPHQL_VALIDATION_FAILED'],
    ['a syntax error', '{ videoJob(', {}, 'GRAPHQL_PARSE_FAILED'],
  ])('carry a code: %s', async (_case, query, variables, code) => {
    const answer = await fixture.gateway.graphql(query, variables);
    expect(answer.errors?.[0]?.extensions?.code).toBe(code);
  });

  it('carry a code over graphql-ws too', async () => {
    const outcome = await subscribeOnceOverWebSocket(
      fixture.gateway.url,
      undefined,
      'subscription ($id: ID!, $after: Int) { videoJob(id: $id, afterVersion: $after) { id } }',
      { id: 'VmlkZW9Kb2I6MQ==', after: 'x' },
    );
    expect(outcome).toMatchObject({ kind: 'error', code: 'BAD_USER_INPUT' });
  });
});

describe('Query.videoJob and Query.node', () => {
  it('finds a job by its global id, through either field', async () => {
    const id = ids[1] as string;
    const answer = await fixture.gateway.graphql<{
      videoJob: { id: string };
      node: { __typename: string; id: string; prompt: string };
    }>('query ($id: ID!) { videoJob(id: $id) { id } node(id: $id) { __typename id ... on VideoJob { prompt } } }', {
      id,
    });
    expect(answer.data?.videoJob.id).toBe(id);
    expect(answer.data?.node).toEqual({ __typename: 'VideoJob', id, prompt: 'job 1' });
  });

  it('answers null for an id that names no job', async () => {
    const unknown = Buffer.from('VideoJob:424242').toString('base64');
    const answer = await fixture.gateway.graphql<{ videoJob: null }>('query ($id: ID!) { videoJob(id: $id) { id } }', {
      id: unknown,
    });
    expect(answer).toEqual({ data: { videoJob: null } });
    const garbage = await fixture.gateway.graphql<{ videoJob: null }>('{ videoJob(id: "%%%") { id } }');
    expect(garbage).toEqual({ data: { videoJob: null } });
  });
});
