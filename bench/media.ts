/**
 * Media scenarios of the benchmark (issue 10), registered in run.ts: (g) concurrent uploads over the GraphQL
 * multipart request spec, with the gateway's peak RSS; (h) concurrent Range readers of one kept video.
 */
import { randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { Client } from 'undici';
import { graphqlAt } from '../harness/graphql.js';
import { killHard, type RunningServer } from '../harness/process.js';
import type { Simulator } from '../src/simulator/index.js';
import { percentile } from './stats.js';

/** What the scenarios take from run.ts. */
export interface MediaBench {
  quick: boolean;
  folder: string;
  log: (message: string) => void;
  gateway: (databasePath: string, upstream: Simulator, environment: Record<string, string>) => Promise<RunningServer>;
  fakeSegmind: () => Promise<Simulator>;
  rssBytes: (pid: number) => number;
  cpuSeconds: (pid: number) => number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const megabyte = 1024 ** 2;

const uploadMutation =
  'mutation ($file: File!) { createVideo(input: { imageFile: $file, prompt: "bench upload" }) { __typename ... on CreateVideoSuccess { job { id } } ... on ValidationError { issues { field message } } } }';

/** A 1x1 PNG's header chunk (IHDR) and pixel data (IDAT), as test/support/media.ts has the whole file. */
const tinyPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

function pngChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

/**
 * A valid PNG of exactly `size` bytes: the 1x1 image with a `tEXt` comment padding it, whose text differs per
 * `seed` so every upload is a file of its own in the content-addressed store.
 */
export function paddedPng(size: number, seed: number): Buffer {
  const iend = tinyPng.subarray(tinyPng.length - 12);
  const head = tinyPng.subarray(0, tinyPng.length - 12); // signature, IHDR, IDAT
  const text = Buffer.alloc(size - head.length - iend.length - 12);
  const keyword = 'Comment\0';
  text.write(keyword, 0, 'latin1');
  const random = Buffer.alloc(16);
  randomFillSync(random);
  text.fill(`seed ${seed} ${random.toString('hex')} `, keyword.length, undefined, 'latin1');
  return Buffer.concat([head, pngChunk('tEXt', text), iend]);
}

/** Samples the process's RSS every `everyMs` until stopped; `peak` is the highest seen. */
function rssSampler(rssBytes: () => number, everyMs = 20) {
  let peak = rssBytes();
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes());
  }, everyMs);
  return {
    peak: () => Math.max(peak, rssBytes()),
    reset: () => {
      peak = rssBytes();
    },
    stop: () => clearInterval(timer),
  };
}

async function uploadOnce(url: string, file: Buffer) {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: uploadMutation, variables: { file: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new Blob([new Uint8Array(file)], { type: 'image/png' }), 'photo.png');
  const response = await fetch(url, { method: 'POST', body: form, headers: { 'apollo-require-preflight': 'true' } });
  const text = await response.text();
  const id = /"job":\{"id":"([^"]+)"/.exec(text)?.[1];
  return { ok: response.status === 200 && text.includes('CreateVideoSuccess'), id, text };
}

// (g) -----------------------------------------------------------------------------------------------------
export async function uploads(bench: MediaBench) {
  const count = bench.quick ? 4 : 20;
  // Just under the 10 MB cap of an image (2 MB in the quick run).
  const size = (bench.quick ? 2 : 10) * megabyte - 4096;
  bench.log(
    `(g) ${count} concurrent uploads of ${(size / megabyte).toFixed(2)} MB PNGs over multipart: MB/s, peak RSS`,
  );
  const upstream = await bench.fakeSegmind();
  const files = Array.from({ length: count }, (_, index) => paddedPng(size, index));
  // First with submits held back (one call an hour: the warm-up's submit takes it), so the peak is the
  // uploads' own; then as it runs, the poller submitting each job as soon as it is stored.
  const held = await uploadRun(bench, upstream, files, 'held', { SEGMIND_RPM: '1', SEGMIND_RATE_WINDOW_MS: '3600000' });
  const live = await uploadRun(bench, upstream, files, 'live', {});
  await upstream.close();
  return { uploads: count, megabytesEach: size / megabyte, runs: [held, live] };
}

async function uploadRun(
  bench: MediaBench,
  upstream: Simulator,
  files: Buffer[],
  submits: 'held' | 'live',
  environment: Record<string, string>,
) {
  const server = await bench.gateway(`${bench.folder}/uploads-${submits}.sqlite`, upstream, environment);
  // One small upload first, so the baseline has the upload path's code and buffers in it already.
  const warmup = await uploadOnce(server.url, paddedPng(64 * 1024, -1));
  if (!warmup.ok) throw new Error(`the warm-up upload failed: ${warmup.text}`);
  await sleep(500);
  const rss = () => bench.rssBytes(server.gatewayPid);
  const baseline = Math.min(rss(), rss(), rss());
  const sampler = rssSampler(rss);
  const submitsBefore = upstream.count('POST');
  const startedAt = performance.now();
  const answers = await Promise.all(files.map((file) => uploadOnce(server.url, file)));
  const seconds = (performance.now() - startedAt) / 1000;
  const peakUploads = sampler.peak();
  const submittedDuringUploads = upstream.count('POST') - submitsBefore;
  // Live: the poller submits each job, reading the stored file back and sending it to Segmind as base64.
  const ids = answers.flatMap((answer) => (answer.id ? [answer.id] : []));
  let submitted = 0;
  for (const giveUpAt = Date.now() + 60_000; submits === 'live' && Date.now() < giveUpAt; await sleep(100)) {
    const jobs = await Promise.all(
      ids.map((id) =>
        graphqlAt<{ videoJob: { upstreamRequestId: string | null } }>(
          server.url,
          'query ($id: ID!) { videoJob(id: $id) { upstreamRequestId } }',
          { id },
        ),
      ),
    );
    submitted = jobs.filter((job) => job.data?.videoJob.upstreamRequestId).length;
    if (submitted === ids.length) break;
  }
  await sleep(200);
  const peakSubmits = sampler.peak();
  sampler.stop();
  const failures = answers.filter((answer) => !answer.ok);
  if (failures.length > 0) bench.log(`    a refused upload: ${failures[0]?.text.slice(0, 300)}`);
  await killHard(server);
  const bytes = files.reduce((sum, file) => sum + file.length, 0);
  return {
    submits,
    accepted: files.length - failures.length,
    submittedDuringUploads,
    submitted,
    seconds,
    megabytesPerSecond: bytes / megabyte / seconds,
    baselineMegabytes: baseline / megabyte,
    rssGrowthMegabytes: (peakUploads - baseline) / megabyte,
    rssGrowthThroughSubmitsMegabytes: submits === 'live' ? (peakSubmits - baseline) / megabyte : Number.NaN,
  };
}

// (h) -----------------------------------------------------------------------------------------------------
/** The ranges a player asks for, in order: the whole file (`bytes=0-`), then successive chunks to the end. */
function playerRanges(size: number, chunk: number): [number, number | undefined][] {
  const ranges: [number, number | undefined][] = [[0, undefined]];
  for (let start = 0; start < size; start += chunk) ranges.push([start, Math.min(size, start + chunk) - 1]);
  return ranges;
}

export async function rangeReaders(bench: MediaBench) {
  const readers = bench.quick ? 10 : 100;
  const runMs = bench.quick ? 1000 : 5000;
  const chunk = 64 * 1024;
  bench.log(`(h) ${readers} concurrent Range readers of one kept video for ${runMs / 1000} s`);
  const upstream = await bench.fakeSegmind();
  const server = await bench.gateway(`${bench.folder}/serving.sqlite`, upstream, {});
  const created = await graphqlAt<{ createVideo: { job?: { id: string } } }>(
    server.url,
    'mutation { createVideo(input: { image: "https://example.com/cat.png", prompt: "bench serving" }) { ... on CreateVideoSuccess { job { id } } } }',
  );
  const id = created.data?.createVideo.job?.id;
  if (!id) throw new Error(`createVideo failed: ${JSON.stringify(created)}`);
  let videoUrl = '';
  let sizeBytes = 0;
  for (const giveUpAt = Date.now() + 60_000; !videoUrl; ) {
    if (Date.now() > giveUpAt) throw new Error('the video was not mirrored within 60 s');
    const job = await graphqlAt<{
      videoJob: { status: string; videoUrl: string | null; video: { mirroredAt: string; sizeBytes: number } | null };
    }>(server.url, 'query ($id: ID!) { videoJob(id: $id) { status videoUrl video { mirroredAt sizeBytes } } }', { id });
    const found = job.data?.videoJob;
    if (found?.status === 'FAILED') throw new Error(`the job failed: ${JSON.stringify(job)}`);
    if (found?.video?.mirroredAt && found.videoUrl) {
      videoUrl = found.videoUrl;
      sizeBytes = found.video.sizeBytes;
    } else await sleep(100);
  }
  const reference = readFileSync(new URL('../assets/sample.mp4', import.meta.url));
  const link = new URL(videoUrl);
  const path = `${link.pathname}${link.search}`;
  const ranges = playerRanges(sizeBytes, chunk);
  const firstByteMs: number[] = [];
  let requests = 0;
  let bytes = 0;
  let errors = 0;
  let firstError: string | undefined;
  const fail = (why: string) => {
    errors++;
    firstError ??= why;
  };

  const cpuBefore = bench.cpuSeconds(server.gatewayPid);
  const startedAt = performance.now();
  const stopAt = startedAt + runMs;
  await Promise.all(
    Array.from({ length: readers }, async () => {
      // One keep-alive connection per reader, as a player holds one.
      const client = new Client(link.origin, { pipelining: 1 });
      try {
        while (performance.now() < stopAt) {
          for (const [start, end] of ranges) {
            const sentAt = performance.now();
            requests++;
            try {
              const response = await client.request({
                path,
                method: 'GET',
                headers: { range: `bytes=${start}-${end ?? ''}` },
              });
              const parts: Buffer[] = [];
              let first = true;
              for await (const part of response.body) {
                if (first) firstByteMs.push(performance.now() - sentAt);
                first = false;
                parts.push(part as Buffer);
              }
              const body = Buffer.concat(parts);
              bytes += body.length;
              const last = end ?? sizeBytes - 1;
              if (response.statusCode !== 206) fail(`status ${response.statusCode} for bytes=${start}-${end ?? ''}`);
              else if (!body.equals(reference.subarray(start, last + 1))) fail(`wrong bytes for ${start}-${last}`);
            } catch (error) {
              fail(error instanceof Error ? error.message : String(error));
            }
          }
        }
      } finally {
        await client.close();
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  const cpuUsed = bench.cpuSeconds(server.gatewayPid) - cpuBefore;
  if (firstError) bench.log(`    first error: ${firstError}`);
  await killHard(server);
  await upstream.close();
  return {
    readers,
    videoBytes: sizeBytes,
    chunkBytes: chunk,
    requests,
    megabytes: bytes / megabyte,
    seconds,
    megabytesPerSecond: bytes / megabyte / seconds,
    firstByteP50: percentile(firstByteMs, 0.5),
    firstByteP99: percentile(firstByteMs, 0.99),
    errors,
    cpuPercent: (100 * cpuUsed) / seconds,
  };
}

// report --------------------------------------------------------------------------------------------------
const round = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const verdict = (met: boolean) => (met ? 'met' : '**missed**');

/** BENCHMARKS.md's section for (g). */
export function uploadsSection(g: Awaited<ReturnType<typeof uploads>>): string {
  const rows = g.runs.map(
    (run) =>
      `| ${run.submits === 'held' ? 'held back' : 'as they come'} | ${run.accepted}/${g.uploads} | ${round(run.seconds, 2)} s | ${round(run.megabytesPerSecond)} MB/s | ${round(run.baselineMegabytes)} MB | ${round(run.rssGrowthMegabytes)} MB | ${Number.isFinite(run.rssGrowthThroughSubmitsMegabytes) ? `${round(run.rssGrowthThroughSubmitsMegabytes)} MB` : '–'} |`,
  );
  const worst = Math.max(...g.runs.map((run) => run.rssGrowthMegabytes));
  return `## (g) Uploads: ${g.uploads} concurrent ${round(g.megabytesEach, 2)} MB PNGs over the multipart request spec

| submits | accepted | time for all | throughput | RSS before | peak RSS growth, uploads | peak growth, until all submitted |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Target: peak RSS growth < 50 MB while the uploads arrive: ${verdict(worst < 50)}.
Each file is a valid PNG padded with a \`tEXt\` chunk (an image's cap is 10 MB), different per upload (so each is
stored), sent with \`apollo-require-preflight\` from the benchmark's process over its own connection; RSS is the
gateway's VmRSS sampled every 20 ms, from after a warm-up upload. "held back": one Segmind call an hour, so no
job is submitted and the peak is the uploads' own; "as they come": the poller submits each job, reading the
stored file and sending it to Segmind as base64.
`;
}

/** BENCHMARKS.md's section for (h). */
export function readersSection(h: Awaited<ReturnType<typeof rangeReaders>>): string {
  return `## (h) Serving: ${h.readers} concurrent Range readers of one kept video (${round(h.videoBytes / 1024, 0)} KB)

| requests | read | time | throughput | time to first byte p50 | p99 | errors | server CPU |
| --- | --- | --- | --- | --- | --- | --- | --- |
| ${h.requests} | ${round(h.megabytes, 0)} MB | ${round(h.seconds)} s | ${round(h.megabytesPerSecond)} MB/s | ${round(h.firstByteP50)} ms | ${round(h.firstByteP99)} ms | ${h.errors} | ${round(h.cpuPercent, 0)} % |

Target: no errors: ${verdict(h.errors === 0)}.
The job runs to COMPLETED on the fake Segmind and its copy is kept (\`video { mirroredAt }\`); then each reader, on
its own keep-alive connection to the signed \`videoUrl\`, plays the file as a player does, \`bytes=0-\` and then
successive ${round(h.chunkBytes / 1024, 0)} KB ranges to the end, again and again for the whole run; every answer
must be a 206 with exactly the file's bytes. Readers run in the benchmark's process on the same cores; CPU is
the gateway's (user + system) over the run (100 % = one core).
`;
}
