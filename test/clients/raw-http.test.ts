import { describe, expect, it } from 'vitest';
import { clientsGatewayFixture } from './support/clients-gateway.js';

const fixture = clientsGatewayFixture();

/** The `data:` lines of the complete Server-Sent Events in `events` (each ends with a blank line), parsed. */
const dataOf = (events: string) =>
  events
    .split('\n\n')
    .slice(0, -1)
    .flatMap((event) => event.split('\n'))
    .filter((line) => line.startsWith('data:') && line.length > 'data:'.length)
    .map((line) => JSON.parse(line.slice('data:'.length)) as { data: { videoJob: { status: string } } });

describe('plain HTTP, as curl or fetch speaks it', () => {
  it('creates with a POST, reads with a GET, watches over SSE to COMPLETED; the token in Authorization', async () => {
    const { url } = fixture.gateway;
    const authorization = `Bearer ${fixture.token('raw-http')}`;
    const created = await fetch(url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation ($input: CreateVideoInput!) {
          createVideo(input: $input) { ... on CreateVideoSuccess { job { id } } ... on Error { message } }
        }`,
        variables: { input: { image: 'https://example.com/cat.png', prompt: 'a cat surfing a wave' } },
      }),
    });
    expect(created.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    const { id } = ((await created.json()) as { data: { createVideo: { job: { id: string } } } }).data.createVideo.job;

    const read = await fetch(`${url}?${new URLSearchParams({ query: `{ videoJob(id: "${id}") { status } }` })}`, {
      headers: { authorization },
    });
    expect(await read.json()).toEqual({ data: { videoJob: { status: 'PENDING' } } });

    const watched = await fetch(url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription ($id: ID!) { videoJob(id: $id) { status } }', variables: { id } }),
    });
    expect(watched.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (watched.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let events = '';
    /** Adds the next chunk of the stream to `events`; false once the stream has ended. */
    const readMore = async () => {
      const { value, done } = await reader.read();
      events += decoder.decode(value, { stream: !done });
      return !done;
    };
    while (dataOf(events).length === 0 && (await readMore()));
    await fixture.finishEveryJob();
    while (await readMore());
    expect(dataOf(events).map((result) => result.data.videoJob.status)).toEqual([
      'PENDING',
      'QUEUED',
      'PROCESSING',
      'COMPLETED',
    ]);
    expect(events).toMatch(/event: complete\n/);
  });
});
