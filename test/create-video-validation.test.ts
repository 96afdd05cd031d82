import { describe, expect, it } from 'vitest';
import {
  type CreateVideoAnswer,
  createVideoMutation,
  type GraphQLEndpoint,
  gatewayFixture,
} from './support/gateway.js';
import { dataUri, silentMp3, silentWav, tinyPng } from './support/media.js';

const fixture = gatewayFixture('all');

const validInput = { image: 'https://example.com/cat.png', prompt: 'a cat surfing a wave' };

async function create(input: Record<string, unknown>, gateway: GraphQLEndpoint = fixture.gateway) {
  const answer = await gateway.graphql<CreateVideoAnswer>(createVideoMutation, {
    input: { ...validInput, ...input },
  });
  expect(answer.errors).toBeUndefined();
  return answer.data?.createVideo;
}

async function jobCount(gateway: GraphQLEndpoint = fixture.gateway): Promise<number> {
  const answer = await gateway.graphql<{ videoJobs: { edges: unknown[] } }>(
    '{ videoJobs(first: 100) { edges { cursor } } }',
  );
  return answer.data?.videoJobs.edges.length ?? -1;
}

const badInputs: [string, Record<string, unknown>, RegExp][] = [
  ['image', { image: 'not a url' }, /http\(s\) URL or a base64 data: URI/],
  ['image', { image: 'ftp://example.com/cat.png' }, /scheme ftp: is not allowed/],
  ['image', { image: 'file:///etc/passwd' }, /scheme file: is not allowed/],
  ['image', { image: 'data:image/png,plain-text' }, /must be base64/],
  ['image', { image: 'data:image/png;base64,@@@@' }, /not valid base64/],
  [
    'image',
    { image: dataUri('image/png', Buffer.from('this is not an image at all')) },
    /not a JPEG, PNG, WEBP or BMP/,
  ],
  [
    'image',
    { image: dataUri('image/png', Buffer.concat([tinyPng, Buffer.alloc(10 * 1024 * 1024)])) },
    /larger than 10 MB/,
  ],
  ['image', { image: `https://example.com/${'a'.repeat(2100)}` }, /longer than 2048/],
  ['prompt', { prompt: '' }, /must not be empty/],
  ['prompt', { prompt: '   ' }, /must not be empty/],
  ['prompt', { prompt: 'x'.repeat(1501) }, /at most 1500/],
  ['audio', { audio: dataUri('audio/wav', silentWav(1)) }, /lasts 1\.0 s; it must last 3 to 30 s/],
  ['audio', { audio: dataUri('audio/wav', silentWav(31)) }, /lasts 31\.0 s/],
  ['audio', { audio: dataUri('audio/mpeg', silentMp3(2)) }, /lasts 2\.0 s/],
  ['audio', { audio: dataUri('audio/wav', tinyPng) }, /not WAV or MP3/],
  ['audio', { audio: 'gopher://example.com/a.wav' }, /scheme gopher: is not allowed/],
  ['duration', { duration: 7 }, /one of 5, 10, 15/],
  ['negativePrompt', { negativePrompt: 'x'.repeat(501) }, /at most 500/],
  ['seed', { seed: -1 }, /between 0 and 2147483647/],
  ['idempotencyKey', { idempotencyKey: '' }, /must not be empty/],
  ['idempotencyKey', { idempotencyKey: 'k'.repeat(256) }, /at most 255/],
];

const everyFieldBad = { image: 'ftp://x', prompt: '', duration: 7, seed: -5, negativePrompt: 'x'.repeat(600) };

describe('createVideo input rules', () => {
  it.each(badInputs)('rejects a bad %s with a ValidationError naming it (%#)', async (field, input, message) => {
    const result = await create(input);
    expect(result?.__typename).toBe('ValidationError');
    if (result?.__typename !== 'ValidationError') return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]?.field).toBe(field);
    expect(result.issues[0]?.message).toMatch(message);
  });

  it('lists every bad field at once', async () => {
    const result = await create(everyFieldBad);
    expect(result?.__typename).toBe('ValidationError');
    if (result?.__typename !== 'ValidationError') return;
    expect(result.issues.map((issue) => issue.field).sort()).toEqual(
      ['duration', 'image', 'negativePrompt', 'prompt', 'seed'].sort(),
    );
    expect(result.message).toMatch(/duration/);
  });

  it('answers wrong types with GraphQL validation errors, and keeps serving', async () => {
    const jobsBefore = await jobCount();
    for (const input of [{ duration: 'five' }, { seed: 2_147_483_648 }, { resolution: 'RES_4K' }, { prompt: null }]) {
      const answer = await fixture.gateway.graphql(createVideoMutation, { input: { ...validInput, ...input } });
      expect(answer.data).toBeUndefined();
      expect(answer.errors?.[0]?.message).toMatch(/Variable "\$input"/);
    }
    const syntax = await fixture.gateway.graphql('mutation { createVideo(input: { prompt: 5 }) { __typename } ');
    expect(syntax.errors?.[0]?.message).toMatch(/Syntax Error/);
    expect(await jobCount()).toBe(jobsBefore);
    expect((await create({}))?.__typename).toBe('CreateVideoSuccess');
  });

  describe('on a gateway that has seen only rejected input', () => {
    const fresh = gatewayFixture('each');

    it('stores nothing and sends nothing upstream for rejected input', async () => {
      for (const input of [...badInputs.map(([, input]) => input), everyFieldBad]) {
        expect((await create(input, fresh.gateway))?.__typename).toBe('ValidationError');
      }
      expect(await jobCount(fresh.gateway)).toBe(0);
      expect(fresh.upstream.count('POST')).toBe(0);
    });
  });

  it('accepts media given as data: URIs and does not echo them in full', async () => {
    for (const audio of [dataUri('audio/wav', silentWav(5)), dataUri('audio/mpeg', silentMp3(10))]) {
      const answer = await fixture.gateway.graphql<{ createVideo: { job?: { image: string; audio: string } } }>(
        `mutation ($input: CreateVideoInput!) { createVideo(input: $input) { ... on CreateVideoSuccess { job { image audio } } ... on ValidationError { message } } }`,
        { input: { ...validInput, image: dataUri('image/png', tinyPng), audio } },
      );
      expect(answer.data?.createVideo.job?.image).toBe(`data:image/png;base64,… (${tinyPng.length} bytes)`);
      expect(answer.data?.createVideo.job?.audio).toMatch(/^data:audio\/(wav|mpeg);base64,… \(\d+ bytes\)$/);
    }
  });
});
