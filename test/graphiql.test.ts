import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { gatewayFixture } from './support/gateway.js';

const fixture = gatewayFixture('all');

const page = async () => {
  const response = await fetch(fixture.gateway.url, { headers: { accept: 'text/html' } });
  return { status: response.status, html: await response.text() };
};

describe('GraphiQL', () => {
  it('answers a browser with a small page whose editor comes as separate files', async () => {
    const { status, html } = await page();
    expect(status).toBe(200);
    expect(html.length).toBeLessThan(10_000);
    const assets = [...html.matchAll(/\/graphiql-assets\/[0-9a-f]+\/[a-z.]+/g)].map((match) => match[0]);
    expect(new Set(assets)).toEqual(
      new Set(
        ['graphiql.js', 'graphiql.css', 'favicon.ico', 'editor.worker.js', 'json.worker.js', 'graphql.worker.js'].map(
          (name) => `${/\/graphiql-assets\/[0-9a-f]+\//.exec(html)?.[0]}${name}`,
        ),
      ),
    );
  });

  it('serves each file immutable, compressed on request, with an ETag that answers 304', async () => {
    const { html } = await page();
    const script = /\/graphiql-assets\/[0-9a-f]+\/graphiql\.js/.exec(html)?.[0] as string;
    const url = new URL(script, fixture.gateway.url).href;
    const plain = await request(url);
    const body = Buffer.from(await plain.body.arrayBuffer());
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-type']).toMatch(/^text\/javascript/);
    const compressed = await request(url, { headers: { 'accept-encoding': 'gzip' } });
    expect(compressed.headers['content-encoding']).toBe('gzip');
    const gzipped = Buffer.from(await compressed.body.arrayBuffer());
    expect(gzipped.length).toBeLessThan(body.length / 2);
    expect(gunzipSync(gzipped).equals(body)).toBe(true);
    const again = await request(url, { headers: { 'if-none-match': String(plain.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect((await again.body.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers 404 for a file of another version or name', async () => {
    for (const path of ['/graphiql-assets/0000/graphiql.js', '/graphiql-assets/']) {
      const answer = await request(new URL(path, fixture.gateway.url).href);
      expect(answer.statusCode).toBe(404);
      await answer.body.dump();
    }
  });
});
