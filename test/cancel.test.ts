import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { GraphQLResult } from '../harness/graphql.js';
import { encodeJobId } from '../src/domain/job-id.js';
import type { Simulator } from '../src/simulator/index.js';
import { dataField, requestAs } from './support/auth.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { defaultPolling, runFor, runUntil, startOnManualClock } from './support/drive.js';
import {
  collectSubscription,
  createJob,
  createVideoMutation,
  type GraphQLEndpoint,
  startGateway,
  statusOf,
} from './support/gateway.js';

const cleanup = cleanupAfterEach();

const cancelMutation = /* GraphQL */ `
  mutation Cancel($id: ID!) {
    cancelVideoJob(id: $id) {
      __typename
      ... on CancelVideoJobSuccess { job { id status version upstreamRequestId events { status message } } }
      ... on NotCancellableError { message job { id status } }
    }
  }
`;

type CancelResult =
  | {
      __typename: 'CancelVideoJobSuccess';
      job: {
        id: string;
        status: string;
        version: number;
        upstreamRequestId: string | null;
        events: { status: string; message: string | null }[];
      };
    }
  | { __typename: 'NotCancellableError'; message: string; job: { id: string; status: string } };

async function cancel(gateway: GraphQLEndpoint, id: string): Promise<CancelResult> {
  const answer: GraphQLResult<{ cancelVideoJob: CancelResult }> = await gateway.graphql(cancelMutation, { id });
  if (!answer.data) throw new Error(`cancelVideoJob failed: ${JSON.stringify(answer)}`);
  return answer.data.cancelVideoJob;
}

/** How many submits carrying this prompt the fake Segmind received. */
const submitsOf = (upstream: Simulator, prompt: string) =>
  upstream.calls.filter((call) => call.method === 'POST' && call.prompt === prompt).length;

const isDone = (status: string | undefined) => status === 'COMPLETED' || status === 'CANCELLED';

describe('cancelVideoJob', () => {
  it('ends a job not yet sent CANCELLED, and it is never sent, not even after a restart', async () => {
    const { clock, upstream, gateway } = await startOnManualClock({}, {}, cleanup);
    const cancelled = await createJob(gateway, { prompt: 'to be cancelled' });
    const kept = await createJob(gateway, { prompt: 'to be kept' });

    const answer = await cancel(gateway, cancelled);
    expect(answer.__typename).toBe('CancelVideoJobSuccess');
    if (answer.__typename !== 'CancelVideoJobSuccess') return;
    expect(answer.job).toMatchObject({ status: 'CANCELLED', version: 2, upstreamRequestId: null });
    expect(answer.job.events.map((event) => event.status)).toEqual(['PENDING', 'CANCELLED']);
    // Idempotent: a second cancel answers the same job, unchanged.
    expect(await cancel(gateway, cancelled)).toEqual(answer);

    // The submitter runs (the other job is sent and completes), and well past that.
    await runUntil(clock, gateway, () => statusOf(gateway, kept) === 'COMPLETED', 60_000);
    await runFor(clock, gateway, 60_000);
    expect(submitsOf(upstream, 'to be kept')).toBe(1);
    expect(submitsOf(upstream, 'to be cancelled')).toBe(0);
    const listed = await gateway.graphql<{ videoJobs: { edges: { node: { id: string } }[] } }>(
      '{ videoJobs(first: 10, status: [CANCELLED]) { edges { node { id } } } }',
    );
    expect(listed.data?.videoJobs.edges.map((edge) => edge.node.id)).toEqual([cancelled]);

    // A restart on the same database does not pick it up again.
    await gateway.close();
    const restarted = await startGateway({ upstream, clock, databasePath: gateway.databasePath });
    cleanup(() => restarted.close());
    await runFor(clock, restarted, 60_000);
    expect(submitsOf(upstream, 'to be cancelled')).toBe(0);
    expect(statusOf(restarted, cancelled)).toBe('CANCELLED');
  });

  it('refuses a job already sent (it will finish and be billed), and the job completes', async () => {
    const { clock, upstream, gateway } = await startOnManualClock({}, {}, cleanup);
    const id = await createJob(gateway);
    await runUntil(clock, gateway, () => statusOf(gateway, id) !== 'PENDING', 10_000);

    const refused = await cancel(gateway, id);
    expect(refused).toMatchObject({ __typename: 'NotCancellableError', job: { id } });
    if (refused.__typename !== 'NotCancellableError') return;
    expect(refused.message).toMatch(/will finish and be billed/);
    await runUntil(clock, gateway, () => statusOf(gateway, id) === 'COMPLETED', 60_000);
    expect(upstream.count('POST')).toBe(1);

    // A job that has ended is not cancellable either.
    expect(await cancel(gateway, id)).toMatchObject({
      __typename: 'NotCancellableError',
      message: expect.stringMatching(/already COMPLETED/),
      job: { status: 'COMPLETED' },
    });
  });

  it('refuses a job whose submit is in flight: the POST may already be at Segmind', async () => {
    const { clock, upstream, gateway } = await startOnManualClock({}, {}, cleanup);
    upstream.faults.inject({ kind: 'hang' }, 1, 'submit');
    const id = await createJob(gateway);
    clock.tick(0);
    await expect.poll(() => upstream.count('POST')).toBe(1);

    const refused = await cancel(gateway, id);
    expect(refused).toMatchObject({ __typename: 'NotCancellableError', job: { status: 'PENDING' } });
    expect(statusOf(gateway, id)).toBe('PENDING');
  });

  it('cancels a job between tries of a submit Segmind did not take', async () => {
    const { clock, upstream, gateway } = await startOnManualClock({}, {}, cleanup);
    upstream.faults.inject({ kind: 'status', status: 500 }, 1, 'submit');
    const id = await createJob(gateway);
    await runUntil(clock, gateway, () => upstream.count('POST') === 1, 1000, 1);

    // A 500 means no request was made: the job is as if never sent, so cancellable again.
    expect(await cancel(gateway, id)).toMatchObject({ __typename: 'CancelVideoJobSuccess' });
    await runFor(clock, gateway, 60_000);
    expect(upstream.count('POST')).toBe(1);
    expect(statusOf(gateway, id)).toBe('CANCELLED');
  });

  it("answers another owner's job as an unknown id, and needs jobs:write", async () => {
    const { gateway } = await startOnManualClock({}, { AUTH_REQUIRED: 'true' }, cleanup);
    const token = (owner: string, scopes: ('jobs:read' | 'jobs:write')[]) =>
      gateway.app.tokens.create({ owner, scopes }).secret;
    const alice = token('alice', ['jobs:read', 'jobs:write']);
    const aliceReadOnly = token('alice', ['jobs:read']);
    const bob = token('bob', ['jobs:read', 'jobs:write']);
    const created = await requestAs(gateway.url, alice, createVideoMutation, {
      input: { image: 'https://example.com/cat.png', prompt: 'a cat surfing a wave' },
    });
    const id = dataField<{ job: { id: string } }>(created, 'createVideo').job.id;

    const byBob = await requestAs(gateway.url, bob, cancelMutation, { id });
    const unknown = await requestAs(gateway.url, bob, cancelMutation, { id: encodeJobId(9999) });
    expect(byBob.body.data).toBeNull();
    expect(byBob.body.errors?.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND']);
    expect(unknown.body.data).toBeNull();
    expect(unknown.body.errors?.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND']);
    // The same words as for an id that never existed, but for the id itself.
    expect(byBob.body.errors?.[0]?.message.replace(id, '<id>')).toBe(
      unknown.body.errors?.[0]?.message.replace(encodeJobId(9999), '<id>'),
    );

    const readOnly = await requestAs(gateway.url, aliceReadOnly, cancelMutation, { id });
    expect(readOnly.body.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(statusOf(gateway, id)).toBe('PENDING');

    const byAlice = await requestAs(gateway.url, alice, cancelMutation, { id });
    expect(dataField<CancelResult>(byAlice, 'cancelVideoJob')).toMatchObject({ job: { status: 'CANCELLED' } });
  });

  it('ends a subscription with the CANCELLED job', async () => {
    const { gateway } = await startOnManualClock({}, {}, cleanup);
    const id = await createJob(gateway);
    const { payloads, done } = collectSubscription<{ videoJob: { version: number; status: string } }>(
      gateway.wsClient(),
      'subscription ($id: ID!) { videoJob(id: $id) { version status } }',
      { id },
    );
    await expect.poll(() => payloads.length).toBe(1);
    await cancel(gateway, id);
    expect((await done).map((payload) => payload.videoJob)).toEqual([
      { version: 1, status: 'PENDING' },
      { version: 2, status: 'CANCELLED' },
    ]);
  });

  it('never both cancels and sends a job, nor neither, with cancels racing the submitter', async () => {
    const { clock, upstream, gateway } = await startOnManualClock(
      {},
      { ...defaultPolling, SEGMIND_RPM: '600' },
      cleanup,
    );
    const prompts = Array.from({ length: 100 }, (_, index) => `race ${index}`);
    const ids = await Promise.all(prompts.map((prompt) => createJob(gateway, { prompt })));
    // Some are surely sent before the cancels arrive; more go out, eight at a time, while they arrive.
    await runUntil(clock, gateway, () => upstream.count('POST') >= 5, 60_000);

    let answered = false;
    const cancels = Promise.all(ids.map((id) => cancel(gateway, id))).finally(() => {
      answered = true;
    });
    // The clock moves, and submits go out, while the cancel requests are in flight: no waiting for the
    // submits to be answered, so that claims, POSTs and cancels interleave.
    while (!answered) {
      clock.tick(250);
      await nextTurn();
    }
    const answers = await cancels;
    await runUntil(clock, gateway, () => ids.every((id) => isDone(statusOf(gateway, id))), 10 * 60_000);

    ids.forEach((id, index) => {
      const prompt = prompts[index] as string;
      const status = statusOf(gateway, id);
      const sent = submitsOf(upstream, prompt);
      if (answers[index]?.__typename === 'CancelVideoJobSuccess') expect([status, sent]).toEqual(['CANCELLED', 0]);
      else expect([status, sent]).toEqual(['COMPLETED', 1]);
    });
    const cancelled = answers.filter((answer) => answer.__typename === 'CancelVideoJobSuccess').length;
    expect(cancelled).toBeGreaterThan(0);
    expect(cancelled).toBeLessThanOrEqual(95);
  });
});
