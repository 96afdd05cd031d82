import { describe, expect, it } from 'vitest';
import { type CreateVideoAnswer, createVideoMutation, gatewayFixture, waitForTerminal } from './support/gateway.js';

const fixture = gatewayFixture('all');

const input = (idempotencyKey: string, prompt = 'a cat surfing a wave') => ({
  image: 'https://example.com/cat.png',
  prompt,
  idempotencyKey,
});

async function create(variables: Record<string, unknown>) {
  const answer = await fixture.gateway.graphql<CreateVideoAnswer>(createVideoMutation, { input: variables });
  expect(answer.errors).toBeUndefined();
  return answer.data?.createVideo;
}

const submitsOf = (prompt: string) =>
  fixture.upstream.calls.filter((call) => call.method === 'POST' && call.prompt === prompt);

describe('createVideo with an idempotencyKey', () => {
  it('returns the same job for the same key and input, and submits it once', async () => {
    const first = await create(input('order-1', 'replayed'));
    const again = await create(input('order-1', 'replayed'));
    if (first?.__typename !== 'CreateVideoSuccess' || again?.__typename !== 'CreateVideoSuccess') {
      throw new Error(`expected two successes: ${JSON.stringify([first, again])}`);
    }
    expect(again.job.id).toBe(first.job.id);
    await waitForTerminal(fixture.gateway, first.job.id);
    const afterCompletion = await create(input('order-1', 'replayed'));
    expect(afterCompletion?.__typename === 'CreateVideoSuccess' && afterCompletion.job.id).toBe(first.job.id);
    expect(submitsOf('replayed')).toHaveLength(1);
  });

  it('refuses the same key with a different input, naming idempotencyKey, and changes nothing', async () => {
    const original = await create(input('order-2', 'original request'));
    const conflicting = await create(input('order-2', 'a different request'));
    expect(conflicting?.__typename).toBe('ValidationError');
    if (conflicting?.__typename !== 'ValidationError') return;
    expect(conflicting.issues).toEqual([
      { field: 'idempotencyKey', message: 'this key was already used for a different request' },
    ]);
    expect(submitsOf('a different request')).toHaveLength(0);
    expect(original?.__typename).toBe('CreateVideoSuccess');
  });

  it('makes one job and one submit out of 50 concurrent mutations with one key', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => create(input('order-3', 'stampede'))));
    const ids = new Set(
      answers.map((answer) => (answer?.__typename === 'CreateVideoSuccess' ? answer.job.id : 'error')),
    );
    expect([...ids]).toHaveLength(1);
    const [id] = [...ids] as [string];
    expect((await waitForTerminal(fixture.gateway, id)).status).toBe('COMPLETED');
    expect(submitsOf('stampede')).toHaveLength(1);
    const listed = await fixture.gateway.graphql<{ videoJobs: { edges: { node: { prompt: string } }[] } }>(
      '{ videoJobs(first: 100) { edges { node { prompt } } } }',
    );
    expect(listed.data?.videoJobs.edges.filter((edge) => edge.node.prompt === 'stampede')).toHaveLength(1);
  });

  it('fails only the conflicting request among concurrent ones committed together', async () => {
    await create(input('order-5', 'first use'));
    const answers = await Promise.all([
      create(input('order-5a', 'bystander a')),
      create(input('order-5', 'reuse with another prompt')),
      create(input('order-5b', 'bystander b')),
    ]);
    expect(answers.map((answer) => answer?.__typename)).toEqual([
      'CreateVideoSuccess',
      'ValidationError',
      'CreateVideoSuccess',
    ]);
  });

  it('treats different keys as different jobs', async () => {
    const a = await create(input('order-4a', 'twin'));
    const b = await create(input('order-4b', 'twin'));
    expect(
      a?.__typename === 'CreateVideoSuccess' && b?.__typename === 'CreateVideoSuccess' && a.job.id !== b.job.id,
    ).toBe(true);
  });
});
