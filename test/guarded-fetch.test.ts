import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AddressPolicy, publicUnicastOnly } from '../src/services/outbound/address-policy.js';
import {
  createGuardedFetch,
  type GuardedFetch,
  type GuardedFetchOptions,
  type ResolveHost,
  readAtMost,
} from '../src/services/outbound/guarded-fetch.js';
import { tinyPng } from './support/media.js';
import { type MediaServer, startMediaServer } from './support/media-server.js';

let server: MediaServer;
const made: GuardedFetch[] = [];

beforeAll(async () => {
  server = await startMediaServer();
});
afterAll(async () => {
  await Promise.all(made.map((fetcher) => fetcher.close()));
  await server.close();
});

/** The real rule, except that the fixture server (127.0.0.1, and nothing else on loopback) may be reached. */
const fixtureOnly: AddressPolicy = (address) => (address === '127.0.0.1' ? undefined : publicUnicastOnly(address));

/** Names no DNS knows, answered here; `asked` records every question. */
function resolver(answers: Record<string, string[]>) {
  const asked: string[] = [];
  const resolveHost: ResolveHost = async (hostname) => {
    asked.push(hostname);
    const addresses = answers[hostname] ?? [];
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { asked, resolveHost };
}

function guarded(options: Partial<GuardedFetchOptions> = {}): GuardedFetch {
  const fetcher = createGuardedFetch({ allows: fixtureOnly, ...options });
  made.push(fetcher);
  return fetcher;
}

const request = { maxRedirects: 3, timeoutMs: 2000 };

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(Error);
  const { reason, message } = error as { reason: string; message: string };
  return { reason, message };
}

describe('the guarded fetch', () => {
  it('resolves a name once and connects to the address it checked', async () => {
    // A rebinding DNS: allowed on the first answer, the metadata address on any later one.
    const answers = ['127.0.0.1', '169.254.169.254'];
    const asked: string[] = [];
    const fetcher = guarded({
      resolveHost: async (hostname) => {
        asked.push(hostname);
        return [{ address: answers[Math.min(asked.length - 1, 1)] ?? '', family: 4 }];
      },
    });
    const response = await fetcher.fetch(`http://images.test:${server.port}/cat.png`, request);
    expect(response.status).toBe(200);
    expect(await readAtMost(response.body, 64 * 1024)).toEqual(tinyPng);
    expect(asked).toEqual(['images.test']);
  });

  it('refuses a name when any of its addresses is not allowed, before connecting', async () => {
    const before = server.requests.length;
    const { resolveHost } = resolver({ 'mixed.test': ['127.0.0.1', '10.0.0.7'] });
    const error = await refusal(guarded({ resolveHost }).fetch(`http://mixed.test:${server.port}/cat.png`, request));
    expect(error).toEqual({
      reason: 'address',
      message: 'address not allowed (mixed.test resolves to 10.0.0.7, private)',
    });
    expect(server.requests.length).toBe(before);
  });

  it('refuses addresses written as literals, whatever their spelling, before connecting', async () => {
    const before = server.requests.length;
    const fetcher = guarded({ allows: publicUnicastOnly });
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', '2130706433', '0177.0.0.1', '0x7f.1', '[::1]']) {
      const error = await refusal(fetcher.fetch(`http://${host}:${server.port}/cat.png`, request));
      expect(error.reason, host).toBe('address');
      expect(error.message, host).toMatch(/^address not allowed \(\S+ is (IPv4-mapped )?loopback\)$/);
    }
    expect(server.requests.length).toBe(before);
  });

  it('follows redirects by hand, checking every hop', async () => {
    const { resolveHost } = resolver({ 'metadata.test': ['169.254.169.254'] });
    const fetcher = guarded({ resolveHost });
    const refusedHops: [string, string][] = [
      ['http://127.0.0.2/', 'redirected to http://127.0.0.2, address not allowed (127.0.0.2 is loopback)'],
      ['http://0x7f000002/', 'redirected to http://127.0.0.2, address not allowed (127.0.0.2 is loopback)'],
      [
        'http://metadata.test/latest/meta-data/',
        'redirected to http://metadata.test, address not allowed (metadata.test resolves to 169.254.169.254, link-local)',
      ],
      ['http://[fd00::1]/', 'redirected to http://[fd00::1], address not allowed (fd00::1 is private)'],
      ['ftp://example.com/cat.png', 'redirected to ftp://example.com, not an http(s) URL (ftp:)'],
      [
        'https://user:secret@example.com/cat.png',
        'redirected to https://example.com, a URL with credentials (user:password@)',
      ],
    ];
    for (const [location, message] of refusedHops) {
      const before = server.requests.length;
      const url = `${server.origin}/redirect?to=${encodeURIComponent(location)}`;
      expect(await refusal(fetcher.fetch(url, request)), location).toMatchObject({ message });
      expect(server.requests.length - before, location).toBe(1);
    }
  });

  it('follows at most maxRedirects redirects', async () => {
    const fetcher = guarded();
    const followed = await fetcher.fetch(`${server.origin}/hops/3`, request);
    expect(followed).toMatchObject({ status: 200, url: new URL(`${server.origin}/cat.png`) });
    followed.body.destroy();
    expect(await refusal(fetcher.fetch(`${server.origin}/hops/4`, request))).toEqual({
      reason: 'redirects',
      message: 'more than 3 redirects',
    });
  });

  it('POSTs a body and hands a redirect back instead of resending the body', async () => {
    const before = server.requests.length;
    const response = await guarded().fetch(`${server.origin}/redirect?to=/cat.png`, {
      ...request,
      method: 'POST',
      body: '{"type":"video_job.completed"}',
    });
    response.body.destroy();
    expect(response.status).toBe(302);
    expect(server.requests.length - before).toBe(1);
  });

  it('checks a URL as a fetch would, without connecting', async () => {
    const before = server.requests.length;
    const { resolveHost } = resolver({ 'mixed.test': ['127.0.0.1', '10.0.0.7'], 'images.test': ['127.0.0.1'] });
    const fetcher = guarded({ resolveHost });
    expect(await refusal(fetcher.check(`http://mixed.test:${server.port}/hook`))).toEqual({
      reason: 'address',
      message: 'address not allowed (mixed.test resolves to 10.0.0.7, private)',
    });
    expect(await refusal(fetcher.check('http://[::1]/hook'))).toMatchObject({ reason: 'address' });
    expect(await refusal(fetcher.check('ftp://images.test/hook'))).toMatchObject({ reason: 'url' });
    expect(await refusal(fetcher.check('http://nowhere.test/hook'))).toMatchObject({ reason: 'network' });
    await expect(fetcher.check(`http://images.test:${server.port}/hook`)).resolves.toBeUndefined();
    expect(server.requests.length).toBe(before);
  });

  it('reads the first bytes of a body and drops the rest unread', async () => {
    const response = await guarded().fetch(`${server.origin}/endless.png`, request);
    const prefix = await readAtMost(response.body, 64 * 1024);
    expect(prefix.length).toBe(64 * 1024);
    expect(prefix.subarray(0, tinyPng.length)).toEqual(tinyPng);
    // The server stops when the connection goes: it never got to write its 256 MB.
    expect(await server.endlessBytesSent()).toBeLessThan(64 * 1024 * 1024);
  });

  it('gives up at the time limit, whether the headers or the body are slow', async () => {
    const fetcher = guarded();
    const short = { maxRedirects: 3, timeoutMs: 100 };
    expect(await refusal(fetcher.fetch(`${server.origin}/stalled.png`, short))).toMatchObject({ reason: 'timeout' });
    const response = await fetcher.fetch(`${server.origin}/stalls-after-headers.png`, short);
    expect(await refusal(readAtMost(response.body, 64 * 1024))).toMatchObject({ reason: 'timeout' });
  });

  it('says so when a host cannot be found or reached', async () => {
    const { resolveHost } = resolver({});
    expect(await refusal(guarded({ resolveHost }).fetch('http://nowhere.test/cat.png', request))).toEqual({
      reason: 'network',
      message: 'nowhere.test has no address',
    });
    expect(await refusal(guarded().fetch('http://127.0.0.1:1/cat.png', request))).toEqual({
      reason: 'network',
      message: 'ECONNREFUSED',
    });
  });
});
