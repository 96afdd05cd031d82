import { EventSource, type EventSourceFetchInit } from 'eventsource';
import { describe, expect, it } from 'vitest';
import { openViewer } from '../../src/domain/access.js';
import { decodeJobId } from '../../src/domain/job-id.js';
import { cleanupAfterEach } from '../support/cleanup.js';
import { defaultPolling, runUntil, startOnManualClock } from '../support/drive.js';
import { createJob, statusOf } from '../support/gateway.js';

const cleanup = cleanupAfterEach();

const subscription = 'subscription ($id: ID!) { videoJob(id: $id) { version status } }';

const streamUrl = (url: string, id: string) =>
  `${url}?${new URLSearchParams({ query: subscription, variables: JSON.stringify({ id }) })}`;

interface Sent {
  lastEventId: string | null;
  status: number;
}

/** A plain EventSource (the `eventsource` package, the browser's API) on the subscription, recording every request. */
function openEventSource(url: string) {
  const requests: Sent[] = [];
  const source = new EventSource(url, {
    fetch: async (input: string | URL, init?: EventSourceFetchInit) => {
      const response = await fetch(input, init);
      const lastEventId = new Headers(init?.headers).get('last-event-id');
      requests.push({ lastEventId, status: response.status });
      return response;
    },
  });
  cleanup(() => source.close());
  const events: { id: string; version: number; status: string }[] = [];
  let completes = 0;
  source.addEventListener('next', (event) => {
    const { videoJob } = JSON.parse(event.data).data;
    events.push({ id: event.lastEventId, ...videoJob });
  });
  source.addEventListener('complete', () => {
    completes += 1;
  });
  return { source, requests, events, completes: () => completes };
}

describe('a plain EventSource on a GET subscription', () => {
  it('gets each version once with its id, and stops after the end instead of replaying COMPLETED', async () => {
    const { clock, gateway } = await startOnManualClock({ queueMs: 1000, processingMs: 5000 }, defaultPolling, cleanup);
    const id = await createJob(gateway);
    const watcher = openEventSource(streamUrl(gateway.url, id));
    await expect.poll(() => watcher.events.length).toBeGreaterThan(0);

    await runUntil(clock, gateway, () => statusOf(gateway, id) === 'COMPLETED', 60_000);
    await expect.poll(() => watcher.events.at(-1)?.status).toBe('COMPLETED');
    const versions = watcher.events.map((event) => event.version);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
    // The `id:` of each event is the job's version, whatever the query selects.
    expect(watcher.events.every((event) => event.id === String(event.version))).toBe(true);
    await expect.poll(() => watcher.completes()).toBe(1);

    // The stream has ended; the EventSource reconnects once (after its 3 s default) with the last id, is told
    // 204 No Content, and stops for good.
    await expect.poll(() => watcher.source.readyState, { timeout: 8000 }).toBe(EventSource.CLOSED);
    const last = watcher.events.at(-1);
    expect(watcher.requests).toEqual([
      { lastEventId: null, status: 200 },
      { lastEventId: String(last?.version), status: 204 },
    ]);
    expect(watcher.events.filter((event) => event.status === 'COMPLETED')).toHaveLength(1);
  });
});

describe('Last-Event-ID on an SSE subscription', () => {
  /** Reads an SSE response to its end (the stream completes) and returns its text. */
  async function readStream(url: string, id: string, lastEventId: string): Promise<{ status: number; text: string }> {
    const response = await fetch(streamUrl(url, id), {
      headers: { accept: 'text/event-stream', 'last-event-id': lastEventId },
    });
    return { status: response.status, text: await response.text() };
  }

  it('resumes a running job after the given version, like afterVersion', async () => {
    const { clock, gateway } = await startOnManualClock({ queueMs: 1000, processingMs: 5000 }, defaultPolling, cleanup);
    const id = await createJob(gateway);
    await runUntil(clock, gateway, () => statusOf(gateway, id) === 'QUEUED', 60_000);
    const seenVersion = gateway.app.jobs.get(openViewer, decodeJobId(id) ?? 0)?.version ?? 0;

    const resumed = readStream(gateway.url, id, String(seenVersion));
    // A client claiming a version the job never reached gets nothing, but its stream still ends with the job.
    const pastTheEnd = await fetch(streamUrl(gateway.url, id), {
      headers: { accept: 'text/event-stream', 'last-event-id': '1000' },
    });
    expect(pastTheEnd.status).toBe(200);
    await runUntil(clock, gateway, () => statusOf(gateway, id) === 'COMPLETED', 60_000);
    const { status, text } = await resumed;
    const ahead = await pastTheEnd.text();
    expect(ahead).toMatch(/event: complete/);
    expect(ahead).not.toMatch(/event: next/);
    expect(status).toBe(200);
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]));
    expect(ids.length).toBeGreaterThan(0);
    expect(Math.min(...ids)).toBe(seenVersion + 1);
    expect(text).toMatch(/"status":"COMPLETED"/);
  });

  it('answers a reconnect after the end with 204, and a Last-Event-ID that is no version with BAD_USER_INPUT', async () => {
    const { clock, gateway } = await startOnManualClock({ queueMs: 1000, processingMs: 5000 }, defaultPolling, cleanup);
    const id = await createJob(gateway);
    await runUntil(clock, gateway, () => statusOf(gateway, id) === 'COMPLETED', 60_000);

    expect((await readStream(gateway.url, id, '99')).status).toBe(204);
    // A 400, not an error inside a stream: an EventSource stops on it rather than reconnecting with it forever.
    const bad = await readStream(gateway.url, id, '3; DROP TABLE jobs');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toEqual({
      errors: [
        {
          message: expect.stringMatching(/^Last-Event-ID must be a job version/),
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ],
    });
  });
});
