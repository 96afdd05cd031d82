import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { maxDataUriLength } from '../src/services/jobs/data-uri.js';
import { videoInputSchema, videoLimits } from '../src/services/jobs/video-input.js';
import { type CreateVideoAnswer, createVideoMutation, gatewayFixture } from './support/gateway.js';
import { silentWav, tinyPng } from './support/media.js';

const validInput = { image: 'https://example.com/cat.png', prompt: 'a cat surfing a wave' };
const pngBase64 = tinyPng.toString('base64');
/** The base64 of a PNG, cut in two by `filler`. */
const splitPng = (filler: string) => `data:image/png;base64,${pngBase64.slice(0, 16)}${filler}${pngBase64.slice(16)}`;

async function create(fixture: ReturnType<typeof gatewayFixture>, input: Record<string, unknown>) {
  const answer = await fixture.gateway.graphql<CreateVideoAnswer>(createVideoMutation, {
    input: { ...validInput, ...input },
  });
  expect(answer.errors).toBeUndefined();
  return answer.data?.createVideo;
}

/** What the gateway stored to send upstream for each job, read from its database file. */
function storedPayloads(databasePath: string): { image: string; audio: string | null }[] {
  const database = new SQLite(databasePath, { readonly: true });
  try {
    return database.prepare('select image, audio from job_payloads order by job_id').all() as {
      image: string;
      audio: string | null;
    }[];
  } finally {
    database.close();
  }
}

describe('createVideo refuses hostile input', () => {
  const fixture = gatewayFixture('all');

  const badInputs: [string, string, Record<string, unknown>, RegExp][] = [
    [
      'a data: URI padded past the cap with whitespace',
      'image',
      { image: splitPng(' '.repeat(30 * 1024 * 1024)) },
      /larger than 10 MB/,
    ],
    [
      'an audio data: URI padded past the cap with whitespace',
      'audio',
      { audio: `data:audio/wav;base64,UklGRg${' '.repeat(23 * 1024 * 1024)}` },
      /larger than 15 MB/,
    ],
    [
      'an image whose decoded bytes pass the cap, wrapped in lines',
      'image',
      {
        image: `data:image/png;base64,${Buffer.concat([tinyPng, Buffer.alloc(10 * 1024 * 1024)])
          .toString('base64')
          .replace(/.{76}/g, '$&\r\n')}`,
      },
      /larger than 10 MB/,
    ],
    ['an image URL with a user and password', 'image', { image: 'https://admin:hunter2@host/a.png' }, /credentials/],
    ['an image URL with a user only', 'image', { image: 'http://admin@host/a.png' }, /credentials/],
    ['an audio URL with a user and password', 'audio', { audio: 'https://admin:hunter2@host/a.wav' }, /credentials/],
    ['a prompt with a NUL byte', 'prompt', { prompt: 'a cat\u0000 surfing' }, /control characters \(U\+0000\)/],
    ['a prompt with an escape character', 'prompt', { prompt: 'a cat \u001b[31m' }, /control characters \(U\+001B\)/],
    ['a prompt with a lone high surrogate', 'prompt', { prompt: 'a cat \ud83d surfing' }, /unpaired UTF-16 surrogates/],
    ['a prompt with a lone low surrogate', 'prompt', { prompt: 'a cat \ude00' }, /unpaired UTF-16 surrogates/],
    ['a negativePrompt with a bell', 'negativePrompt', { negativePrompt: 'blur\u0007' }, /control characters/],
    ['a negativePrompt with a lone surrogate', 'negativePrompt', { negativePrompt: '\udc00' }, /unpaired/],
    ['an idempotencyKey with a NUL byte', 'idempotencyKey', { idempotencyKey: 'key\u0000' }, /control characters/],
    ['an idempotencyKey with a lone surrogate', 'idempotencyKey', { idempotencyKey: 'key\ud800' }, /unpaired/],
  ];

  it.each(badInputs)('refuses %s with a ValidationError on its field', async (_name, field, input, message) => {
    const result = await create(fixture, input);
    expect(result?.__typename).toBe('ValidationError');
    if (result?.__typename !== 'ValidationError') return;
    expect(result.issues).toEqual([{ field, message: expect.stringMatching(message) }]);
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('stored nothing and sent nothing upstream for any of them', async () => {
    const answer = await fixture.gateway.graphql<{ videoJobs: { edges: unknown[] } }>(
      '{ videoJobs(first: 10) { edges { cursor } } }',
    );
    expect(answer.data?.videoJobs.edges).toEqual([]);
    expect(storedPayloads(fixture.gateway.databasePath)).toEqual([]);
    expect(fixture.upstream.count('POST')).toBe(0);
  });

  it('refuses a string too long to be any valid value before decoding it', () => {
    const tooLong = `data:image/png;base64,${'A'.repeat(maxDataUriLength(videoLimits.imageMaxBytes))}`;
    const parsed = videoInputSchema.safeParse({
      ...validInput,
      image: tooLong,
      duration: 5,
      resolution: '720p',
      multiShots: false,
      negativePrompt: '',
      enablePromptExpansion: true,
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['image', 'data: URI is larger than 10 MB'],
    ]);
  });
});

describe('createVideo stores and sends data: URIs normalized', () => {
  const fixture = gatewayFixture('all');

  it('strips whitespace and takes the type from the bytes, whatever the URI claims', async () => {
    const wav = silentWav(5);
    const inputs = [
      { image: splitPng('\r\n  \t') },
      { image: `data:text/html;base64,${pngBase64}` },
      { image: `data:image/jpeg;name=cat.jpg;base64,${pngBase64}` },
      { image: `data:;base64,${pngBase64}`, audio: `data:application/octet-stream;base64,${wav.toString('base64')}` },
    ];
    for (const input of inputs) {
      const result = await create(fixture, input);
      expect(result?.__typename).toBe('CreateVideoSuccess');
    }
    const canonicalPng = `data:image/png;base64,${pngBase64}`;
    expect(storedPayloads(fixture.gateway.databasePath)).toEqual([
      { image: canonicalPng, audio: null },
      { image: canonicalPng, audio: null },
      { image: canonicalPng, audio: null },
      { image: canonicalPng, audio: `data:audio/wav;base64,${wav.toString('base64')}` },
    ]);
    const listed = await fixture.gateway.graphql<{ videoJobs: { edges: { node: { image: string } }[] } }>(
      '{ videoJobs(first: 10) { edges { node { image } } } }',
    );
    for (const edge of listed.data?.videoJobs.edges ?? []) {
      expect(edge.node.image).toBe(`data:image/png;base64,… (${tinyPng.length} bytes)`);
    }
  });

  it('keeps tabs, line breaks and characters outside the BMP in text', async () => {
    const prompt = 'a cat\tsurfing\r\na wave 🏄‍♂️ 𝔸';
    const answer = await fixture.gateway.graphql<{ createVideo: { job?: { prompt: string } } }>(
      `mutation ($input: CreateVideoInput!) { createVideo(input: $input) { ... on CreateVideoSuccess { job { prompt } } } }`,
      { input: { ...validInput, prompt, negativePrompt: 'blur\n', idempotencyKey: 'key-🔑' } },
    );
    expect(answer.data?.createVideo.job?.prompt).toBe(prompt);
  });
});
