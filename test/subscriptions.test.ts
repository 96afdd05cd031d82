import { describe, expect, it } from 'vitest';
import {
  collectSubscription,
  createJob,
  gatewayFixture,
  type JobView,
  jobFields,
  waitForTerminal,
} from './support/gateway.js';

const subscription = `subscription ($id: ID!) { videoJob(id: $id) { ${jobFields} } }`;

const fixture = gatewayFixture('each');

function expectLiveHistory(payloads: JobView[]) {
  const statuses = payloads.map((job) => job.status);
  // The snapshot comes first; after it, each status once, in order.
  expect(['PENDING', 'QUEUED']).toContain(statuses[0]);
  expect(statuses.at(-1)).toBe('COMPLETED');
  expect(new Set(statuses).size).toBe(statuses.length);
  const order = ['PENDING', 'QUEUED', 'PROCESSING', 'COMPLETED'];
  expect(statuses).toEqual([...statuses].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
  expect(statuses).toContain('PROCESSING');
  const versions = payloads.map((job) => job.version);
  for (let index = 1; index < versions.length; index++) {
    expect(versions[index]).toBe((versions[index - 1] as number) + 1);
  }
  const last = payloads.at(-1) as JobView;
  // The gateway's own signed link, from the COMPLETED change on (test/media-output.test.ts covers what it serves).
  expect(last.videoUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/media\/[\w%]+\.mp4\?exp=\d+&sig=[\w-]+$/);
  expect(last.cost).toBeGreaterThan(0);
  expect(last.events.map((event) => event.status)).toEqual(['PENDING', 'QUEUED', 'PROCESSING', 'COMPLETED']);
}

describe('Subscription.videoJob over graphql-ws', () => {
  it('sends the snapshot, then every change in order with growing versions, then completes', async () => {
    const id = await createJob(fixture.gateway);
    const { done } = collectSubscription<{ videoJob: JobView }>(fixture.gateway.wsClient(), subscription, { id });
    const payloads = (await done).map((payload) => payload.videoJob);
    expectLiveHistory(payloads);
  });

  it('answers an unknown id with a NOT_FOUND error', async () => {
    const unknown = Buffer.from('VideoJob:999999').toString('base64');
    const malformed = 'not-a-global-id';
    for (const id of [unknown, malformed]) {
      const { done } = collectSubscription(fixture.gateway.wsClient(), subscription, { id });
      await expect(done).rejects.toThrow(/NOT_FOUND/);
    }
  });

  it('resumes after a given version: a finished job already seen completes with nothing', async () => {
    const id = await createJob(fixture.gateway);
    const finished = await waitForTerminal(fixture.gateway, id);
    const resume = 'subscription ($id: ID!, $after: Int) { videoJob(id: $id, afterVersion: $after) { version } }';
    const seen = collectSubscription(fixture.gateway.wsClient(), resume, { id, after: finished.version });
    expect(await seen.done).toEqual([]);
    const earlier = collectSubscription(fixture.gateway.wsClient(), resume, { id, after: finished.version - 1 });
    expect(await earlier.done).toEqual([{ videoJob: { version: finished.version } }]);
  });

  it('sends a finished job once and completes', async () => {
    const id = await createJob(fixture.gateway);
    await waitForTerminal(fixture.gateway, id);
    const { done } = collectSubscription<{ videoJob: JobView }>(fixture.gateway.wsClient(), subscription, { id });
    const payloads = await done;
    expect(payloads).toHaveLength(1);
    expect(payloads[0]?.videoJob.status).toBe('COMPLETED');
  });
});

describe('Subscription.videoJob over Server-Sent Events', () => {
  it('streams the same history as the WebSocket transport', async () => {
    const id = await createJob(fixture.gateway);
    const response = await fetch(fixture.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: subscription, variables: { id } }),
    });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await response.text(); // the stream ends after the terminal status
    const payloads = text
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trim())
      .filter((data) => data.length > 0)
      .map((data) => (JSON.parse(data) as { data: { videoJob: JobView } }).data.videoJob);
    expect(text).toMatch(/event: complete/);
    expectLiveHistory(payloads);
  });
});
