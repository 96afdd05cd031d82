import { describe, expect, it, vi } from 'vitest';
import {
  CreateVideoDocument,
  JobStatusFragmentDoc,
  VideoJobsDocument,
  WatchVideoJobDocument,
} from '../../starter-kit/generated/graphql/graphql.js';
import { cleanupAfterEach } from '../support/cleanup.js';
import { apolloClient } from './support/apollo.js';
import { clientsGatewayFixture } from './support/clients-gateway.js';

const fixture = clientsGatewayFixture();
const cleanup = cleanupAfterEach();
const input = { image: 'https://example.com/cat.png', prompt: 'a cat surfing a wave' };
const invalidInput = { ...input, prompt: '', duration: 7 };

function clientFor(owner: string, options?: { possibleTypes?: boolean }) {
  const apollo = apolloClient(fixture.gateway.url, fixture.token(owner), options);
  cleanup(apollo.close);
  return apollo;
}

describe('Apollo Client 4 with InMemoryCache and the starter kit', () => {
  it('hands over every createVideo error with its message through `... on Error`', async () => {
    const { client } = clientFor('apollo-errors');
    const invalid = await client.mutate({ mutation: CreateVideoDocument, variables: { input: invalidInput } });
    expect(invalid.data?.createVideo).toMatchObject({
      __typename: 'ValidationError',
      message: expect.stringContaining('prompt'),
      issues: [{ field: 'prompt' }, { field: 'duration' }],
    });

    fixture.gateway.app.quotas.setLimits('apollo-errors', { maxActiveJobs: 1 });
    const first = await client.mutate({ mutation: CreateVideoDocument, variables: { input } });
    expect(first.data?.createVideo.__typename).toBe('CreateVideoSuccess');
    const overQuota = await client.mutate({ mutation: CreateVideoDocument, variables: { input } });
    expect(overQuota.data?.createVideo).toMatchObject({
      __typename: 'QuotaExceededError',
      message: expect.any(String),
      limit: 1,
    });
  });

  it('loses the message without the possibleTypes file, which is why the kit has one', async () => {
    // Apollo says so on the console in development only; in production the field is simply missing.
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    cleanup(() => warnings.mockRestore());
    const { client } = clientFor('apollo-no-possible-types', { possibleTypes: false });
    const invalid = await client.mutate({ mutation: CreateVideoDocument, variables: { input: invalidInput } });
    expect(invalid.data?.createVideo).toMatchObject({ __typename: 'ValidationError', issues: expect.any(Array) });
    expect(invalid.data?.createVideo).not.toHaveProperty('message');
    expect(warnings.mock.calls.join('\n')).toMatch(/possibleTypes/);
  });

  it("lands a subscription's updates in the job's one cached entity, which a watching view follows", async () => {
    const { client, cache } = clientFor('apollo-subscription');
    const created = await client.mutate({ mutation: CreateVideoDocument, variables: { input } });
    const result = created.data?.createVideo;
    if (result?.__typename !== 'CreateVideoSuccess') throw new Error(`createVideo: ${JSON.stringify(created)}`);
    const entity = client.cache.identify(result.job);
    expect(entity).toBe(`VideoJob:${result.job.id}`);

    // A view of the job watches the cache, not the subscription.
    const seenByView: string[] = [];
    const view = client.watchFragment({ fragment: JobStatusFragmentDoc, from: result.job }).subscribe({
      next: ({ data }) => {
        if (data.status && seenByView.at(-1) !== data.status) seenByView.push(data.status);
      },
    });
    cleanup(() => view.unsubscribe());

    let subscribed: () => void = () => undefined;
    const snapshot = new Promise<void>((resolve) => {
      subscribed = resolve;
    });
    const finished = new Promise<void>((resolve, reject) => {
      client.subscribe({ query: WatchVideoJobDocument, variables: { id: result.job.id } }).subscribe({
        next: subscribed,
        error: reject,
        complete: resolve,
      });
    });
    await snapshot;
    await fixture.finishEveryJob();
    await finished;

    expect(client.cache.readFragment({ id: entity, fragment: JobStatusFragmentDoc })).toMatchObject({
      status: 'COMPLETED',
      version: 4,
      progress: 1,
      videoUrl: expect.stringMatching(/\/media\/.+\.mp4\?exp=\d+&sig=/),
    });
    expect(Object.keys(cache.extract()).filter((key) => key.startsWith('VideoJob:'))).toEqual([entity]);
    // The cache tells its watchers when it sees fit (it may batch), so the view's last status is waited for.
    await expect.poll(() => seenByView.at(-1)).toBe('COMPLETED');
    expect(seenByView[0]).toBe('PENDING');
  });

  it('pages videoJobs with relayStylePagination: three pages end as one list, newest first', async () => {
    const { client } = clientFor('apollo-pages');
    const prompts = ['one', 'two', 'three', 'four', 'five'];
    for (const prompt of prompts)
      await client.mutate({ mutation: CreateVideoDocument, variables: { input: { ...input, prompt } } });

    // A list view watches the first page and asks for more; the cache merges each page into the one list.
    const list = client.watchQuery({ query: VideoJobsDocument, variables: { first: 2 } });
    const shownByView: number[] = [];
    const view = list.subscribe({
      next: (result) => {
        if (result.dataState === 'complete') shownByView.push(result.data.videoJobs.edges.length);
      },
    });
    cleanup(() => view.unsubscribe());
    await list.refetch(); // subscribing starts loading the first page; refetch says when one has arrived
    const cached = () => client.readQuery({ query: VideoJobsDocument, variables: { first: 2 } })?.videoJobs;
    const listSizes = [cached()?.edges.length];
    for (let page = cached(); page?.pageInfo.hasNextPage; page = cached()) {
      await list.fetchMore({ variables: { after: page.pageInfo.endCursor } });
      listSizes.push(cached()?.edges.length);
    }
    expect(listSizes).toEqual([2, 4, 5]);
    expect(cached()?.edges.map((edge) => edge.node.prompt)).toEqual([...prompts].reverse());
    await expect.poll(() => shownByView.at(-1)).toBe(5);
  });
});
