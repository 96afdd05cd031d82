import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { createVideoMutation } from './support/gateway.js';
import { startLoggedGateway } from './support/logged-gateway.js';
import { dataUri, tinyPng } from './support/media.js';

const cleanup = cleanupAfterEach();

const segmindKey = 'SG_live_known_test_key_0123456789abcdef';
const imageBytes = tinyPng.toString('base64');

describe('logs', () => {
  it('never contain the Segmind key, an API token or data: URI bytes, even at trace', async () => {
    const gateway = await startLoggedGateway({ SEGMIND_API_KEY: segmindKey });
    cleanup(() => gateway.close());

    // A token, made as an admin makes one on an open loopback install.
    const made = await gateway.graphql<{ createApiToken: { secret: string } }>(
      'mutation { createApiToken(input: { owner: "alice" }) { ... on CreateApiTokenSuccess { secret } } }',
    );
    const secret = made.data?.createApiToken.secret ?? '';
    expect(secret).toMatch(/^wan_[0-9A-Za-z]{43}$/);
    const bearer = { authorization: `Bearer ${secret}` };
    const image = dataUri('image/png', tinyPng);

    // A job with a data: URI image, sent with the token, carried to Segmind with the key, followed to its end.
    const created = await gateway.graphql<{ createVideo: { job: { id: string } } }>(
      createVideoMutation,
      { input: { image, prompt: 'a cat surfing a wave' } },
      bearer,
    );
    const id = created.data?.createVideo.job.id;
    expect(id).toBeDefined();
    const watched = new Promise<void>((resolve, reject) => {
      gateway.wsClient({ authorization: `Bearer ${secret}` }).subscribe(
        { query: 'subscription ($id: ID!) { videoJob(id: $id) { status } }', variables: { id } },
        {
          next: () => {},
          error: reject,
          complete: resolve,
        },
      );
    });
    await watched;

    // Answers that quote them back: as names, as a variable's value, as a refused token.
    await gateway.graphql(`{ ${secret} }`, {}, bearer);
    await gateway.graphql(`{ ${segmindKey} }`);
    await gateway.graphql('query ($first: Int) { videoJobs(first: $first) { edges { cursor } } }', { first: image });
    await gateway.graphql('{ __typename }', {}, { authorization: `Bearer wan_${'Z'.repeat(43)}` });
    // A bug whose message and stack carry all three.
    gateway.app.jobs.get = () => {
      throw new Error(`failed for ${secret} with key ${segmindKey} on ${image}`);
    };
    await gateway.graphql(`query ($id: ID!) { videoJob(id: $id) { id } }`, { id }, bearer);
    await gateway.close();

    const text = gateway.logText();
    expect(text).not.toContain(segmindKey);
    expect(text).not.toContain(secret.slice(4));
    expect(text).not.toContain(`wan_${'Z'.repeat(43)}`);
    expect(text).not.toContain(imageBytes);
    expect(text).not.toContain(imageBytes.slice(20, 44));
    // The lines that would have carried them were written, scrubbed.
    expect(text).toContain('Cannot query field \\"wan_[redacted]\\"');
    expect(text).toContain('Cannot query field \\"[redacted]\\"');
    expect(text).toContain('data:image/png;base64,[redacted]');
    expect(gateway.logLines().filter((line) => line.level >= 50)).toHaveLength(1);
    expect(gateway.unexpected).toHaveLength(1);
  });

  it('redact the fields that hold credentials, whatever their values', () => {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ level: 'trace' }, sink);
    logger.info({
      req: { headers: { authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': 'k-123' } },
      connectionParams: { authorization: 'Token abc' },
      created: { secret: 'opaque-secret' },
      upstream: { apiKey: 'another-key' },
    });
    const text = chunks.join('');
    for (const value of ['dXNlcjpwYXNz', 'k-123', 'Token abc', 'opaque-secret', 'another-key']) {
      expect(text).not.toContain(value);
    }
  });
});
