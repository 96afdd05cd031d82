import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolveHost } from '../src/services/outbound/guarded-fetch.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { type CreateVideoAnswer, createVideoMutation, type GatewayFixture, gatewayFixture } from './support/gateway.js';
import { startLoggedGateway } from './support/logged-gateway.js';
import { type MediaServer, startMediaServer } from './support/media-server.js';

let media: MediaServer;
beforeAll(async () => {
  media = await startMediaServer();
});
afterAll(() => media.close());

const cleanup = cleanupAfterEach();

async function create(fixture: GatewayFixture, input: Record<string, unknown>) {
  const answer = await fixture.gateway.graphql<CreateVideoAnswer>(createVideoMutation, {
    input: { prompt: 'a cat surfing a wave', ...input },
  });
  expect(answer.errors).toBeUndefined();
  return answer.data?.createVideo;
}

async function jobCount(fixture: GatewayFixture): Promise<number> {
  const answer = await fixture.gateway.graphql<{ videoJobs: { edges: unknown[] } }>(
    '{ videoJobs(first: 100) { edges { cursor } } }',
  );
  return answer.data?.videoJobs.edges.length ?? -1;
}

let refusedCount = 0;

/** The issues of a refused createVideo, after checking that nothing was stored or sent. */
async function refused(fixture: GatewayFixture, input: Record<string, unknown>) {
  const jobsBefore = await jobCount(fixture);
  const prompt = `refused ${++refusedCount}`;
  const result = await create(fixture, { ...input, prompt });
  expect(result?.__typename, JSON.stringify(result)).toBe('ValidationError');
  expect(await jobCount(fixture)).toBe(jobsBefore);
  expect(fixture.upstream.calls.filter((call) => call.prompt === prompt)).toEqual([]);
  return result?.__typename === 'ValidationError' ? result.issues : [];
}

describe('the URL pre-check, serving loopback fixtures (ALLOW_PRIVATE_URLS=true)', () => {
  const fixture = gatewayFixture(
    'all',
    {},
    { URL_PRECHECK: 'true', ALLOW_PRIVATE_URLS: 'true' },
    { urlPrecheckTimeoutMs: 300 },
  );

  it('lets a real image and a real audio file through', async () => {
    const requestsBefore = media.requests.length;
    const result = await create(fixture, {
      image: `${media.origin}/cat.png?size=large`,
      audio: `${media.origin}/voice.wav`,
    });
    expect(result?.__typename).toBe('CreateVideoSuccess');
    expect(media.requests.slice(requestsBefore).sort()).toEqual(['/cat.png?size=large', '/voice.wav']);
  });

  // Inputs name paths on the fixture server.
  const refusals: [string, Record<string, string>, string, RegExp][] = [
    ['a 404', { image: '/missing.png' }, 'image', /^URL answered HTTP 404; it must answer 2xx/],
    [
      'an HTML page instead of an image',
      { image: '/page.html' },
      'image',
      /^URL is not a JPEG, PNG, WEBP or BMP image \(the server sent text\/html; charset=utf-8\)$/,
    ],
    ['a server that never answers', { image: '/stalled.png' }, 'image', /^URL did not answer within 0\.3 s$/],
    ['an image as audio', { image: '/cat.png', audio: '/cat.png' }, 'audio', /^URL is not WAV or MP3 audio/],
    ['a fourth redirect', { image: '/hops/4' }, 'image', /^URL refused: more than 3 redirects$/],
  ];
  it.each(refusals)('refuses %s, storing and sending nothing', async (_case, input, field, message) => {
    const onFixture = Object.fromEntries(Object.entries(input).map(([name, path]) => [name, `${media.origin}${path}`]));
    expect(await refused(fixture, onFixture)).toEqual([{ field, message: expect.stringMatching(message) }]);
  });

  it('checks image and audio at once and reports both', async () => {
    const issues = await refused(fixture, {
      image: `${media.origin}/stalled.png`,
      audio: `${media.origin}/stalled.png`,
    });
    expect(issues.map((issue) => issue.field)).toEqual(['image', 'audio']);
  });

  it('follows up to 3 redirects', async () => {
    expect((await create(fixture, { image: `${media.origin}/hops/3` }))?.__typename).toBe('CreateVideoSuccess');
  });

  it('does not fetch again for an idempotency key that already made its job', async () => {
    const input = { image: `${media.origin}/cat.png?for=retry`, idempotencyKey: 'precheck-retry' };
    const first = await create(fixture, input);
    const second = await create(fixture, input);
    expect(second).toEqual(first);
    expect(media.requests.filter((path) => path === '/cat.png?for=retry')).toHaveLength(1);
  });
});

describe('the SSRF guard (ALLOW_PRIVATE_URLS=false)', () => {
  // A name that resolves to the cloud metadata address; every other name goes to the system resolver.
  const resolveHost: ResolveHost = async (hostname) => {
    const { lookup } = await import('node:dns/promises');
    if (hostname === 'metadata.test') return [{ address: '169.254.169.254', family: 4 }];
    return lookup(hostname, { all: true });
  };
  const fixture = gatewayFixture('all', {}, { URL_PRECHECK: 'true' }, { resolveHost, urlPrecheckTimeoutMs: 1000 });

  const blocked: [string, RegExp][] = [
    ['http://127.0.0.1:PORT/cat.png', /\(127\.0\.0\.1 is loopback\)$/],
    ['http://localhost:PORT/cat.png', /\(localhost resolves to (127\.0\.0\.1|::1), loopback\)$/],
    ['http://[::ffff:127.0.0.1]:PORT/cat.png', /\(::ffff:7f00:1 is IPv4-mapped loopback\)$/],
    ['http://2130706433:PORT/cat.png', /\(127\.0\.0\.1 is loopback\)$/],
    ['http://0177.0.0.1:PORT/cat.png', /\(127\.0\.0\.1 is loopback\)$/],
    ['http://metadata.test/latest/meta-data/', /\(metadata\.test resolves to 169\.254\.169\.254, link-local\)$/],
    ['http://169.254.169.254/latest/meta-data/', /\(169\.254\.169\.254 is link-local\)$/],
    ['http://100.64.0.1/cat.png', /\(100\.64\.0\.1 is shared \(CGNAT\)\)$/],
    ['http://[::]:PORT/cat.png', /\(:: is unspecified\)$/],
  ];
  it.each(blocked)('refuses %s before connecting', async (template, message) => {
    const requestsBefore = media.requests.length;
    const issues = await refused(fixture, { image: template.replace('PORT', String(media.port)) });
    expect(issues).toEqual([{ field: 'image', message: expect.stringMatching(/^URL refused: address not allowed/) }]);
    expect(issues[0]?.message).toMatch(message);
    expect(media.requests.length).toBe(requestsBefore);
  });

  it('refuses a URL with credentials, whatever the mode', async () => {
    const issues = await refused(fixture, { image: `http://user:secret@127.0.0.1:${media.port}/cat.png` });
    expect(issues).toEqual([{ field: 'image', message: 'URL must not carry credentials (user:password@)' }]);
  });
});

describe('a refused URL in the log', () => {
  it('is a debug line without the query, where signed URLs keep their secret', async () => {
    const gateway = await startLoggedGateway({ URL_PRECHECK: 'true' });
    cleanup(() => gateway.close());
    const image = 'http://127.0.0.1:9/cat.png?X-Amz-Signature=do-not-log-me';
    await gateway.graphql(createVideoMutation, { input: { image, prompt: 'a cat' } });
    const lines = gateway.logLines().filter((line) => line.msg === 'URL refused');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 20,
        component: 'url-precheck',
        url: 'http://127.0.0.1:9/cat.png',
        field: 'image',
      }),
    ]);
    expect(gateway.logText()).not.toContain('do-not-log-me');
  });
});

describe('what the pre-check may cost the gateway', () => {
  const fixture = gatewayFixture(
    'each',
    { processingMs: 600_000 },
    { URL_PRECHECK: 'true', ALLOW_PRIVATE_URLS: 'true', DEFAULT_MAX_ACTIVE_JOBS: '1' },
    { urlPrecheckTimeoutMs: 60_000 },
  );

  it('fetches nothing for a caller already over quota', async () => {
    expect((await create(fixture, { image: `${media.origin}/cat.png?first` }))?.__typename).toBe('CreateVideoSuccess');
    const requestsBefore = media.requests.length;
    expect((await create(fixture, { image: `${media.origin}/cat.png?second` }))?.__typename).toBe('QuotaExceededError');
    expect(media.requests.length).toBe(requestsBefore);
  });

  it('runs 4 checks of one owner at once, queues 16, and answers a 21st busy (retryable) at once', async () => {
    const stalledBefore = media.requests.filter((path) => path === '/stalled.png').length;
    const answers = Array.from({ length: 21 }, () =>
      fixture.gateway.graphql(createVideoMutation, {
        input: { image: `${media.origin}/stalled.png`, prompt: 'a cat' },
      }),
    );
    // The stalled ones never answer; they end with the gateway after the test.
    for (const answer of answers) answer.catch(() => undefined);
    const first = await Promise.race(answers);
    expect(first.errors?.[0]?.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    await expect.poll(() => media.requests.filter((path) => path === '/stalled.png').length).toBe(stalledBefore + 4);
  });
});
