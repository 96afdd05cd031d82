import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requestAs } from './support/auth.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { runUntil, startOnManualClock } from './support/drive.js';
import { createJob, startGateway, statusOf, type TestGateway } from './support/gateway.js';
import type { ManualClock } from './support/manual-clock.js';

const sample = readFileSync(new URL('../assets/sample.mp4', import.meta.url));
const sampleSha256 = createHash('sha256').update(sample).digest('hex');
const cleanup = cleanupAfterEach();

interface VideoView {
  status: string;
  videoUrl: string | null;
  upstreamVideoUrl: string | null;
  video: { url: string; sizeBytes: number; sha256: string; mirroredAt: string; deletedAt: string | null } | null;
}

const readJob = async (gateway: TestGateway, id: string, token?: string): Promise<VideoView> => {
  const answer = await requestAs(
    gateway.url,
    token,
    'query ($id: ID!) { videoJob(id: $id) { status videoUrl upstreamVideoUrl video { url sizeBytes sha256 mirroredAt deletedAt } } }',
    { id },
  );
  return (answer.body.data as { videoJob: VideoView }).videoJob;
};

/** A job made and driven to COMPLETED; returns its id. */
async function completedJob(clock: ManualClock, gateway: TestGateway, token?: string): Promise<string> {
  const id = token
    ? (
        (
          await requestAs(
            gateway.url,
            token,
            'mutation { createVideo(input: { image: "https://example.com/cat.png", prompt: "a cat" }) { ... on CreateVideoSuccess { job { id } } } }',
          )
        ).body.data as { createVideo: { job: { id: string } } }
      ).createVideo.job.id
    : await createJob(gateway);
  await runUntil(clock, gateway, () => statusOf(gateway, id) === 'COMPLETED', 10_000);
  return id;
}

/** Moves the manual clock until `done` holds, letting each download started meanwhile finish. */
async function runDownloads(clock: ManualClock, gateway: TestGateway, done: () => Promise<boolean>): Promise<void> {
  for (let step = 0; step < 400; step++) {
    await gateway.app.mirror.whenIdle();
    if (await done()) return;
    clock.tick(250);
  }
  throw new Error('downloads did not settle');
}

/** A request for a media link, its body read whole (an unread body would hold the connection open at close). */
async function get(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const response = await fetch(url, { headers, method, redirect: 'manual' });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

describe('finished videos, kept and served by the gateway', () => {
  it('hands out its signed /media link from COMPLETED on, then serves the copy with byte ranges', async () => {
    const { clock, upstream, gateway } = await startOnManualClock({}, {}, cleanup);
    const id = await completedJob(clock, gateway);
    const completed = await readJob(gateway, id);
    const origin = new URL(gateway.url).origin;
    expect(completed.videoUrl).toMatch(
      new RegExp(`^${origin}/media/${encodeURIComponent(`${id}.mp4`)}\\?exp=\\d+&sig=[\\w-]+$`),
    );
    expect(completed.upstreamVideoUrl).toMatch(new RegExp(`^${upstream.url}/sim/videos/`));
    const apiCalls = upstream.calls.length;

    await gateway.app.mirror.whenIdle();
    const kept = await readJob(gateway, id);
    expect(kept.video).toMatchObject({ sizeBytes: sample.length, sha256: sampleSha256, deletedAt: null });
    // The download is not an API call: the poller's budget is untouched.
    expect(upstream.calls.length).toBe(apiCalls);

    const url = kept.videoUrl as string;
    const whole = await get(url);
    expect(whole.status).toBe(200);
    expect(
      Object.fromEntries(
        ['content-type', 'accept-ranges', 'etag', 'content-length'].map((name) => [name, whole.headers.get(name)]),
      ),
    ).toEqual({
      'content-type': 'video/mp4',
      'accept-ranges': 'bytes',
      etag: `"${sampleSha256}"`,
      'content-length': String(sample.length),
    });
    expect(whole.body.equals(sample)).toBe(true);

    // As a player does: the start, a seek into the middle, the moov box at the end, and one past the end.
    const size = sample.length;
    const cases: [string, number, string, Buffer][] = [
      ['bytes=0-', 206, `bytes 0-${size - 1}/${size}`, sample],
      ['bytes=1000-1999', 206, `bytes 1000-1999/${size}`, sample.subarray(1000, 2000)],
      ['bytes=-500', 206, `bytes ${size - 500}-${size - 1}/${size}`, sample.subarray(size - 500)],
      [`bytes=${size - 10}-${size + 100}`, 206, `bytes ${size - 10}-${size - 1}/${size}`, sample.subarray(size - 10)],
      [`bytes=${size}-`, 416, `bytes */${size}`, Buffer.alloc(0)],
    ];
    for (const [range, status, contentRange, bytes] of cases) {
      const answer = await get(url, { range });
      expect([range, answer.status, answer.headers.get('content-range')]).toEqual([range, status, contentRange]);
      expect(answer.body.equals(bytes)).toBe(true);
    }
    // Several ranges at once are answered with the whole file, as RFC 9110 allows.
    expect((await get(url, { range: 'bytes=0-1,5-6' })).status).toBe(200);

    const head = await get(url, {}, 'HEAD');
    expect([head.status, head.headers.get('content-length'), head.body.length]).toEqual([200, String(size), 0]);
    expect((await get(url, { 'if-none-match': `"${sampleSha256}"` })).status).toBe(304);
    expect((await get(url, { range: 'bytes=0-9', 'if-range': '"stale"' })).status).toBe(200);
  });

  it('refuses a bad or expired signature with 403, and needs no token where tokens are required', async () => {
    const { clock, gateway } = await startOnManualClock(
      {},
      { AUTH_REQUIRED: 'true', MEDIA_LINK_TTL_SECONDS: '60' },
      cleanup,
    );
    const token = gateway.app.tokens.create({ owner: 'alice', scopes: ['jobs:read', 'jobs:write'] }).secret;
    const id = await completedJob(clock, gateway, token);
    await gateway.app.mirror.whenIdle();
    const url = new URL((await readJob(gateway, id, token)).videoUrl as string);
    expect((await get(url.href)).status).toBe(200);

    const tampered = (name: string, value: string) => {
      const copy = new URL(url);
      copy.searchParams.set(name, value);
      return copy.href;
    };
    const otherJob = new URL(url);
    otherJob.pathname = `/media/${encodeURIComponent(`${Buffer.from('VideoJob:999').toString('base64')}.mp4`)}`;
    for (const bad of [
      tampered('sig', 'A'.repeat(43)),
      tampered('exp', '9999999999'),
      otherJob.href,
      `${url.origin}${url.pathname}`,
    ]) {
      expect((await get(bad)).status).toBe(403);
    }

    clock.advance(61_000);
    const expired = await get(url.href);
    expect([expired.status, expired.body.toString()]).toEqual([
      403,
      'link expired: read videoUrl again for a fresh one',
    ]);
    expect((await get((await readJob(gateway, id, token)).videoUrl as string)).status).toBe(200);
  });

  it("keeps serving the video after Segmind's link has expired (the simulator's, an hour after the submit)", async () => {
    const { clock, gateway } = await startOnManualClock({}, {}, cleanup);
    const id = await completedJob(clock, gateway);
    await runDownloads(clock, gateway, async () => (await readJob(gateway, id)).video !== null);
    // An hour on, timer by timer.
    for (const until = clock.now() + 3_600_000; clock.now() < until; ) {
      clock.tick(until - clock.now());
      await gateway.app.poller.whenIdle();
    }
    const job = await readJob(gateway, id);
    expect((await get(job.upstreamVideoUrl as string)).status).toBe(403);
    const served = await get(job.videoUrl as string, { range: 'bytes=100-199' });
    expect([served.status, served.body]).toEqual([206, sample.subarray(100, 200)]);
  });

  it("redirects to Segmind's URL until the copy is complete", async () => {
    const { clock, upstream, gateway } = await startOnManualClock({}, {}, cleanup);
    upstream.faults.inject({ kind: 'hang' }, 1, 'video');
    const id = await completedJob(clock, gateway);
    const job = await readJob(gateway, id);
    expect(job.video).toBeNull();
    const answer = await get(job.videoUrl as string);
    expect([answer.status, answer.headers.get('location'), answer.headers.get('cache-control')]).toEqual([
      302,
      job.upstreamVideoUrl,
      'no-store',
    ]);
  });

  it('retries a failed download with backoff', async () => {
    const { clock, upstream, gateway } = await startOnManualClock({}, {}, cleanup);
    upstream.faults.inject({ kind: 'status', status: 500 }, 2, 'video');
    upstream.faults.inject({ kind: 'reset' }, 1, 'video');
    const id = await completedJob(clock, gateway);
    await runDownloads(clock, gateway, async () => (await readJob(gateway, id)).video !== null);
    expect((await readJob(gateway, id)).video?.sha256).toBe(sampleSha256);
  });

  it('resumes a download cut off by a restart, and its links survive the restart', async () => {
    const { clock, upstream, gateway } = await startOnManualClock({}, {}, cleanup);
    upstream.faults.inject({ kind: 'stall-midway' }, 1, 'video');
    const id = await completedJob(clock, gateway);
    const link = new URL((await readJob(gateway, id)).videoUrl as string);
    const incoming = join(dirname(gateway.databasePath), 'media', 'incoming');
    // Half the video is on disk when the gateway stops.
    await expect
      .poll(() => readdirSync(incoming).some((name) => readFileSync(join(incoming, name)).length >= sample.length >> 1))
      .toBe(true);
    await gateway.close();

    const restarted = await startGateway({ upstream, clock, databasePath: gateway.databasePath });
    cleanup(() => restarted.close());
    await restarted.app.mirror.whenIdle();
    expect((await readJob(restarted, id)).video).toMatchObject({ sha256: sampleSha256, sizeBytes: sample.length });
    expect(readdirSync(incoming)).toEqual([]);
    const served = await get(`${new URL(restarted.url).origin}${link.pathname}${link.search}`);
    expect(served.status).toBe(200);
    expect(served.body.equals(sample)).toBe(true);
  });

  it('deletes copies older than MEDIA_RETENTION_DAYS, and the job says so', async () => {
    const { clock, gateway } = await startOnManualClock({}, { MEDIA_RETENTION_DAYS: '1' }, cleanup);
    const id = await completedJob(clock, gateway);
    await gateway.app.mirror.whenIdle();
    const file = join(dirname(gateway.databasePath), 'media', sampleSha256.slice(0, 2), sampleSha256);
    expect(existsSync(file)).toBe(true);

    clock.advance(25 * 3_600_000);
    await expect.poll(() => existsSync(file)).toBe(false);
    expect((await readJob(gateway, id)).video?.deletedAt).toEqual(expect.any(String));
    expect((await get((await readJob(gateway, id)).videoUrl as string)).status).toBe(410);
  });
});
