import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import type { Simulator } from '../src/simulator/index.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { createJob, startFakeSegmind, startGateway, statusOf, waitForTerminal } from './support/gateway.js';

const cleanup = cleanupAfterEach();

async function setUp(): Promise<{ upstream: Simulator; databasePath: string }> {
  const folder = temporaryDirectory();
  const upstream = await startFakeSegmind({ queueMs: 100, processingMs: 1500 });
  cleanup(folder.remove, () => upstream.close());
  return { upstream, databasePath: `${folder.path}/jobs.sqlite` };
}

describe('a gateway restarted on the same database', () => {
  it('picks up a PROCESSING job and completes it without submitting it again', async () => {
    const { upstream, databasePath } = await setUp();
    const first = await startGateway({ upstream, databasePath });
    const id = await createJob(first);
    await expect.poll(() => statusOf(first, id), { timeout: 5000 }).toBe('PROCESSING');
    await first.close();

    const second = await startGateway({ upstream, databasePath });
    cleanup(() => second.close());
    const job = await waitForTerminal(second, id);
    expect(job.status).toBe('COMPLETED');
    expect(job.videoUrl).toBeTruthy();
    expect(upstream.count('POST')).toBe(1);
    expect(job.events.map((event) => event.status)).toEqual(['PENDING', 'QUEUED', 'PROCESSING', 'COMPLETED']);
  });

  it('submits PENDING jobs it finds at start', async () => {
    const { upstream, databasePath } = await setUp();
    upstream.faults.inject({ kind: 'hang' }, 1, 'submit');
    const first = await startGateway({ upstream, databasePath, environment: { SEGMIND_RPM: '1' } });
    const held = await createJob(first); // its submit hangs
    const waiting = await createJob(first); // no budget left for it this minute
    await expect.poll(() => upstream.count('POST')).toBe(1);
    expect(statusOf(first, waiting)).toBe('PENDING');
    await first.close(); // the hanging submit is aborted: its outcome is unknown

    const second = await startGateway({ upstream, databasePath });
    cleanup(() => second.close());
    expect((await waitForTerminal(second, waiting)).status).toBe('COMPLETED');
    // The job whose submit was in flight is never sent blindly again: that could bill twice.
    const unknown = await waitForTerminal(second, held);
    expect(unknown.error?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(unknown.error?.message).toMatch(/Outcome unknown/);
    expect(upstream.count('POST')).toBe(2);
  });
});
