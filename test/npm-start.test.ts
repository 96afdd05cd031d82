import { afterAll, describe, expect, it } from 'vitest';
import { type RunningServer, signalGroup, startServerProcess } from '../harness/process.js';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import { endpointAt } from './support/endpoint.js';
import { waitForTerminal } from './support/gateway.js';

const folder = temporaryDirectory();
let server: RunningServer | undefined;

afterAll(() => {
  if (server && server.child.exitCode === null) signalGroup(server, 'SIGKILL');
  folder.remove();
});

async function graphql<T>(url: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data;
}

describe('npm start without SEGMIND_API_KEY', () => {
  it('builds, serves the simulator end to end, and stops cleanly on SIGTERM', { timeout: 180_000 }, async () => {
    const { SEGMIND_API_KEY: _key, ...environment } = process.env;
    server = await startServerProcess('npm', ['start', '--silent'], {
      ...environment,
      PORT: '0',
      DATABASE_PATH: `${folder.path}/data/gateway.sqlite`,
      MEDIA_DIR: `${folder.path}/data/media`,
      SIMULATOR_QUEUE_MS: '200',
      SIMULATOR_PROCESSING_MS: '600',
      POLL_MIN_INTERVAL_MS: '100',
      POLL_TARGET_DELAY_MS: '200',
      // Its job names an image on the internet, which this machine need not reach.
      URL_PRECHECK: 'false',
      LOG_LEVEL: 'warn',
    });
    expect(server.readyLine).toMatch(/built-in simulator/);
    expect((await fetch(server.url.replace('/graphql', '/healthz'))).status).toBe(200);

    const graphiql = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(await graphiql.text()).toMatch(/graphiql/i);

    const created = await graphql<{ createVideo: { job: { id: string } } }>(
      server.url,
      'mutation { createVideo(input: { image: "https://example.com/cat.png", prompt: "a cat surfing" }) { ... on CreateVideoSuccess { job { id } } } }',
    );
    const job = await waitForTerminal(endpointAt(server.url), created.createVideo.job.id);
    expect(job.status).toBe('COMPLETED');

    const video = await fetch(job.videoUrl as string);
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    const bytes = Buffer.from(await video.arrayBuffer());
    expect(bytes.toString('ascii', 4, 8)).toBe('ftyp');
    const partial = await fetch(job.videoUrl as string, { headers: { range: 'bytes=0-99' } });
    expect(partial.status).toBe(206);
    expect((await partial.arrayBuffer()).byteLength).toBe(100);

    const stoppedAt = Date.now();
    process.kill(server.gatewayPid, 'SIGTERM');
    expect(await server.exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
  });
});
