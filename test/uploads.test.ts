import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { killHard, startGatewayProcess } from '../harness/process.js';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import { stopSignal } from '../src/http/multipart-uploads.js';
import type { MediaStore } from '../src/services/media/media-store.js';
import { inlineUpload, StoredDataUri, uploadReference } from '../src/services/media/uploads.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { runUntil, startOnManualClock } from './support/drive.js';
import {
  type CreateVideoAnswer,
  createVideoMutation,
  startFakeSegmind,
  statusOf,
  type TestGateway,
} from './support/gateway.js';
import { silentWav, tinyPng } from './support/media.js';

/** A real 543-byte JPEG (CPython's test image of its logo, test/imghdrdata/python.jpg). */
const photo = readFileSync(new URL('./fixtures/python-logo.jpg', import.meta.url));
const voice = silentWav(5);
const cleanup = cleanupAfterEach();

/** The header Apollo's upload link sends: no page can add it without a CORS preflight. */
const preflight = { 'apollo-require-preflight': 'true' };

/** createVideo as a multipart request (the GraphQL multipart request spec), as upload clients send it. */
async function upload(
  gateway: { url: string },
  files: { imageFile?: Buffer; audioFile?: Buffer },
  input: Record<string, unknown> = {},
  headers: Record<string, string> = preflight,
) {
  const names = Object.keys(files) as (keyof typeof files)[];
  const form = new FormData();
  const variables = { input: { prompt: 'a cat', ...input, ...Object.fromEntries(names.map((name) => [name, null])) } };
  form.set('operations', JSON.stringify({ query: createVideoMutation, variables }));
  form.set('map', JSON.stringify(Object.fromEntries(names.map((name, index) => [index, [`variables.input.${name}`]]))));
  names.forEach((name, index) => {
    form.set(String(index), new Blob([new Uint8Array(files[name] as Buffer)]), `${name}.bin`);
  });
  const response = await fetch(gateway.url, { method: 'POST', body: form, headers });
  return {
    status: response.status,
    body: (await response.json()) as { data?: CreateVideoAnswer; errors?: { extensions?: { code?: string } }[] },
  };
}

const issuesOf = (answer: Awaited<ReturnType<typeof upload>>) => {
  const result = answer.body.data?.createVideo;
  return result?.__typename === 'ValidationError' ? result.issues : result;
};

const storedFilesIn = (folder: string) =>
  readdirSync(folder)
    .filter((name) => /^[0-9a-f]{2}$/.test(name))
    .flatMap((name) => readdirSync(join(folder, name)));

const storedFiles = (gateway: TestGateway) => storedFilesIn(join(dirname(gateway.databasePath), 'media'));

describe('uploads over the GraphQL multipart request spec', () => {
  it('takes a JPEG and a WAV to COMPLETED, sending Segmind exactly the uploaded bytes as base64', async () => {
    // With the URL pre-check on, as in production: it has nothing to fetch for an upload.
    const { clock, upstream, gateway } = await startOnManualClock({}, { URL_PRECHECK: 'true' }, cleanup);
    const answer = await upload(gateway, { imageFile: photo, audioFile: voice });
    const created = answer.body.data?.createVideo;
    if (created?.__typename !== 'CreateVideoSuccess') throw new Error(JSON.stringify(answer.body));
    await runUntil(clock, gateway, () => statusOf(gateway, created.job.id) === 'COMPLETED', 10_000);

    const submitted = upstream.calls.find((call) => call.method === 'POST')?.media;
    expect(submitted?.image).toBe(`data:image/jpeg;base64,${photo.toString('base64')}`);
    expect(submitted?.audio).toBe(`data:audio/wav;base64,${voice.toString('base64')}`);
    const job = await gateway.graphql<{ videoJob: { image: string; audio: string } }>(
      'query ($id: ID!) { videoJob(id: $id) { image audio } }',
      { id: created.job.id },
    );
    expect(job.data?.videoJob.image).toMatch(/^upload: image\/jpeg, 543 bytes, sha256 [0-9a-f]{64}$/);
    expect(job.data?.videoJob.audio).toMatch(/^upload: audio\/wav, \d+ bytes, sha256 /);

    // Stored once by content: the same photo again adds no file.
    await gateway.app.mirror.whenIdle();
    const before = storedFiles(gateway).length;
    expect((await upload(gateway, { imageFile: photo })).body.data?.createVideo.__typename).toBe('CreateVideoSuccess');
    expect(storedFiles(gateway).length).toBe(before);
  });

  it('answers ValidationError for files oversized, of the wrong type, cut short, or lying about their type', async () => {
    const { gateway } = await startOnManualClock({}, {}, cleanup);
    const cases: [string, Awaited<ReturnType<typeof upload>>, string, RegExp][] = [
      [
        'oversized',
        await upload(gateway, { imageFile: Buffer.concat([photo, Buffer.alloc(10 * 1024 ** 2)]) }),
        'imageFile',
        /larger than 10 MB/,
      ],
      ['wrong type', await upload(gateway, { imageFile: voice }), 'imageFile', /not a JPEG, PNG, WEBP or BMP image/],
      [
        'cut short',
        await upload(gateway, { imageFile: photo.subarray(0, 300) }),
        'imageFile',
        /JPEG file is cut short/,
      ],
      [
        'a PNG header over garbage',
        await upload(gateway, { imageFile: Buffer.concat([tinyPng.subarray(0, 16), Buffer.alloc(4096, 0x2a)]) }),
        'imageFile',
        /PNG file is (damaged|cut short)/,
      ],
      [
        'audio cut short',
        await upload(gateway, { imageFile: photo, audioFile: voice.subarray(0, 30_000) }),
        'audioFile',
        /WAV file is cut short/,
      ],
      [
        'an image twice',
        await upload(gateway, { imageFile: photo }, { image: 'https://example.com/cat.png' }),
        'image',
        /exactly one of image and imageFile/,
      ],
    ];
    for (const [name, answer, field, message] of cases) {
      expect([name, issuesOf(answer)]).toEqual([name, [{ field, message: expect.stringMatching(message) }]]);
    }
    expect((await gateway.graphql('{ videoJobs(first: 10) { edges { cursor } } }')).data).toEqual({
      videoJobs: { edges: [] },
    });
  });

  it('refuses a multipart POST without a preflight header, storing nothing', async () => {
    const { gateway } = await startOnManualClock({}, {}, cleanup);
    const answer = await upload(gateway, { imageFile: photo }, {}, {});
    expect([answer.status, answer.body.errors?.[0]?.extensions?.code]).toEqual([403, 'CSRF_PREVENTED']);
    expect(storedFiles(gateway)).toEqual([]);
  });

  it('takes a file in a variable of its own, as the README curl example sends it', async () => {
    const { gateway } = await startOnManualClock({}, {}, cleanup);
    const form = new FormData();
    const query =
      'mutation ($file: File!) { createVideo(input: { imageFile: $file, prompt: "a cat" }) { __typename } }';
    form.set('operations', JSON.stringify({ query, variables: { file: null } }));
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set('0', new Blob([new Uint8Array(photo)]), 'cat.jpg');
    const response = await fetch(gateway.url, { method: 'POST', body: form, headers: preflight });
    expect(await response.json()).toEqual({ data: { createVideo: { __typename: 'CreateVideoSuccess' } } });
  });

  it('takes no File from JSON: only a multipart part is one', async () => {
    const { gateway } = await startOnManualClock({}, {}, cleanup);
    const answer = await gateway.graphql(createVideoMutation, { input: { prompt: 'a cat', imageFile: 'abc' } });
    expect(answer.errors?.[0]?.message).toMatch(/multipart request/);
  });

  it('refuses a 200 MB upload without the server growing more than 20 MB, stores nothing and serves on', async () => {
    const folder = temporaryDirectory();
    cleanup(folder.remove);
    const upstream = await startFakeSegmind();
    // The gateway in a process of its own, so its RSS is its own. Submits held back (one Segmind call an hour).
    const server = await startGatewayProcess({
      databasePath: join(folder.path, 'jobs.sqlite'),
      upstreamUrl: upstream.url,
      environment: { SEGMIND_RPM: '1', SEGMIND_RATE_WINDOW_MS: '3600000' },
    });
    cleanup(
      () => upstream.close(),
      () => killHard(server),
    );
    const media = join(folder.path, 'media');
    // A fresh process grows 10-20 MB more on its first upload (code compiled, first buffers): warmed up first.
    expect((await upload(server, { imageFile: tinyPng })).body.data?.createVideo.__typename).toBe('CreateVideoSuccess');
    const storedBefore = storedFilesIn(media);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rss = () =>
      Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${server.gatewayPid}/status`, 'utf8'))?.[1]) * 1024;
    const before = Math.min(rss(), rss(), rss());
    let peak = before;
    const sampling = setInterval(() => {
      peak = Math.max(peak, rss());
    }, 10);
    const boundary = 'wan-i2v-boundary';
    const head = [
      `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n`,
      JSON.stringify({ query: createVideoMutation, variables: { input: { prompt: 'a cat', imageFile: null } } }),
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.input.imageFile"]}`,
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="huge.jpg"\r\n\r\n`,
    ].join('');
    const chunk = Buffer.alloc(1024 * 1024, 0x2a);
    let sent = 0;
    // Made as it is read, so the client holds one megabyte at a time too; no Content-Length: it is streamed.
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(Buffer.concat([Buffer.from(head), photo.subarray(0, 4)])),
      pull: (controller) => {
        if (sent++ < 200) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await fetch(server.url, {
      method: 'POST',
      body,
      headers: { ...preflight, 'content-type': `multipart/form-data; boundary=${boundary}` },
      duplex: 'half',
    } as RequestInit);
    // Refused at its cap as the field's ValidationError; the rest of the body is never read.
    const answer = {
      status: response.status,
      body: (await response.json()) as Awaited<ReturnType<typeof upload>>['body'],
    };
    // On through the 2 s the refused connection lingers before it is closed: nothing more may be read meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    clearInterval(sampling);
    peak = Math.max(peak, rss());
    expect(issuesOf(answer)).toEqual([{ field: 'imageFile', message: 'imageFile is larger than 10 MB' }]);
    // It reads the image's 10 MB and stops; refused at 15 MB and read on past it, it grew 43-65 MB.
    expect((peak - before) / 1024 ** 2).toBeLessThanOrEqual(20);
    expect(sent).toBeLessThan(100);
    // Nothing of it is kept, not even the part written before the refusal.
    expect(storedFilesIn(media)).toEqual(storedBefore);
    await expect.poll(() => readdirSync(join(media, 'incoming'))).toEqual([]);
    // And the server serves on.
    expect((await upload(server, { imageFile: photo })).body.data?.createVideo.__typename).toBe('CreateVideoSuccess');
  });
});

describe('reading a multipart body', () => {
  it('holds no chunk already read while it waits for the next (not Promise.race with a pending promise)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { stop, orStop } = stopSignal();
    const read: WeakRef<Uint8Array>[] = [];
    for (let index = 0; index < 20; index++) {
      const chunk = new Uint8Array(64 * 1024);
      read.push(new WeakRef(chunk));
      await orStop(Promise.resolve({ value: chunk, done: false }));
    }
    // A new task, so the WeakRefs no longer keep their targets; then a full collection.
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    // All but the last (still referenced by the settled wait it came from) are gone.
    expect(read.slice(0, -1).filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    // Once stopped, a wait that never settles ends at once, and so does every later one.
    const pending = orStop(new Promise(() => {}));
    stop();
    await expect(pending).resolves.toBeUndefined();
    await expect(orStop(new Promise(() => {}))).resolves.toBeUndefined();
  });
});

describe('sending a stored upload to Segmind', () => {
  /** A store of one file that hands it out in the chunks given, as a file read stream might. */
  const storeOf = (sha256: string, chunks: Buffer[]): MediaStore => ({
    put: () => Promise.reject(new Error('not here')),
    stat: async (name) =>
      name === sha256 ? { sha256, sizeBytes: chunks.reduce((sum, chunk) => sum + chunk.length, 0) } : undefined,
    read: () => Readable.from(chunks),
    // Each chunk copied into the same buffer, as the disk store reads a file.
    async *scan(_name, into) {
      for (const chunk of chunks) {
        chunk.copy(into);
        yield into.subarray(0, chunk.length);
      }
    },
    delete: () => Promise.resolve(),
  });
  const sha256 = 'ab'.repeat(32);

  it('encodes the file as a data: URI a chunk at a time, with the length it announces', async () => {
    const file = Buffer.from(Array.from({ length: 1000 }, (_, index) => (index * 37) % 256));
    /** `file`'s first `length` bytes in chunks of `sizes`, then the rest. */
    const split = (length: number, sizes: number[]) => {
      const chunks: Buffer[] = [];
      let at = 0;
      for (const size of sizes) {
        chunks.push(file.subarray(at, at + size));
        at += size;
      }
      return [...chunks, file.subarray(at, length)];
    };
    // Chunk sizes that split the 3-byte groups of base64 every which way, an empty one, and lengths ending
    // on each remainder (the padding).
    for (const [length, sizes] of [
      [1000, [1, 2, 4, 0, 5, 64, 100]],
      [999, [998]],
      [998, [2, 2, 2]],
      [1, []],
    ] as const) {
      const uri = await inlineUpload(uploadReference('image/png', sha256), storeOf(sha256, split(length, [...sizes])));
      if (!(uri instanceof StoredDataUri)) throw new Error('not streamed');
      let text = '';
      for await (const part of uri.chunks()) text += part;
      expect(text).toBe(`data:image/png;base64,${file.subarray(0, length).toString('base64')}`);
      expect(uri.length).toBe(text.length);
    }
  });

  it('fails before the submit starts when the file is no longer stored', async () => {
    await expect(inlineUpload(uploadReference('image/png', 'cd'.repeat(32)), storeOf(sha256, []))).rejects.toThrow(
      /no longer stored/,
    );
    // Anything but a reference passes as it is.
    expect(await inlineUpload('https://example.com/cat.png', storeOf(sha256, []))).toBe('https://example.com/cat.png');
  });
});
