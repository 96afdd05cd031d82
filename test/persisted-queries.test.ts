import { describe, expect, it } from 'vitest';
import { requestAs } from './support/auth.js';
import { firstCode, persistedGatewayFixture, persistedRequest, sha256 } from './support/persisted.js';

/** A document per test, so that one test's registrations never answer another's lookups. */
const documentNamed = (name: string) => `query ${name} { viewer { owner } }`;
const answered = { viewer: { owner: 'local' } };

describe('automatic persisted queries', () => {
  // A store of 3 documents of at most 200 characters, so that its bounds are reached in a few requests.
  const fixture = persistedGatewayFixture({ app: { persistedQueryStore: { maxEntries: 3, maxDocumentLength: 200 } } });
  const send = (request: Parameters<typeof persistedRequest>[1]) => persistedRequest(fixture.gateway.url, request);
  const isStored = async (document: string) => {
    const answer = await send({ hash: sha256(document) });
    if (answer.status === 200) return true;
    expect(firstCode(answer)).toBe('PERSISTED_QUERY_NOT_FOUND');
    return false;
  };

  it('answers an unknown hash PERSISTED_QUERY_NOT_FOUND, as Apollo clients expect, over POST and GET, never cached', async () => {
    for (const method of ['POST', 'GET'] as const) {
      const answer = await send({ hash: sha256(documentNamed('Unknown')), method });
      expect(answer.status).toBe(404);
      expect(answer.body.errors).toEqual([
        { message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } },
      ]);
      expect(answer.headers.get('cache-control')).toBe('private, no-cache, must-revalidate');
    }
    expect(fixture.gateway.warnings).toEqual([]);
  });

  it('runs a document sent with its hash, then the hash alone, over POST and over GET', async () => {
    const document = documentNamed('Registered');
    const registration = await send({ query: document, hash: sha256(document) });
    expect(registration.body).toEqual({ data: answered });
    const byPost = await send({ hash: sha256(document) });
    expect(byPost.status).toBe(200);
    expect(byPost.body).toEqual({ data: answered });
    // What a CDN caches: a short GET URL that names the document by its hash.
    const byGet = await send({ hash: sha256(document), method: 'GET', variables: {} });
    expect(byGet.status).toBe(200);
    expect(byGet.body).toEqual({ data: answered });
  });

  it('registers over GET as well', async () => {
    const document = documentNamed('RegisteredByGet');
    expect((await send({ query: document, hash: sha256(document), method: 'GET' })).body).toEqual({ data: answered });
    expect(await isStored(document)).toBe(true);
  });

  it('refuses a mutation named by its hash over GET, as it refuses one sent whole', async () => {
    // Invalid input: a ValidationError, so the registration creates no job.
    const mutation = 'mutation Refused { createVideo(input: { image: "x", prompt: "" }) { __typename } }';
    const registration = await send({ query: mutation, hash: sha256(mutation) });
    expect(registration.body).toEqual({ data: { createVideo: { __typename: 'ValidationError' } } });
    const byGet = await send({ hash: sha256(mutation), method: 'GET' });
    expect(byGet.status).toBe(405);
    expect(byGet.body.errors?.[0]?.message).toBe('Can only perform a mutation operation from a POST request.');
  });

  it('refuses a document whose hash does not match, and keeps it under neither hash', async () => {
    const document = documentNamed('Mismatched');
    const claimed = sha256(documentNamed('SomethingElse'));
    const answer = await send({ query: document, hash: claimed });
    expect(answer.status).toBe(400);
    expect(firstCode(answer)).toBe('PERSISTED_QUERY_MISMATCH');
    expect(answer.body.errors?.[0]?.message).toMatch(/^PersistedQueryMismatch: .*nothing was stored/);
    expect(answer.body.data).toBeUndefined();
    expect(await isStored(document)).toBe(false);
    expect((await send({ hash: claimed })).status).toBe(404);
  });

  it('refuses a version other than 1, and an extension without a hash, with their own codes', async () => {
    const version = await send({ extension: { version: 2, sha256Hash: sha256('{ viewer { owner } }') } });
    expect([version.status, firstCode(version)]).toEqual([400, 'PERSISTED_QUERY_VERSION_NOT_SUPPORTED']);
    const hashless = await send({ query: '{ viewer { owner } }', extension: { version: 1 } });
    expect([hashless.status, firstCode(hashless)]).toEqual([400, 'PERSISTED_QUERY_INVALID']);
  });

  it('runs a document over the size cap but does not keep it', async () => {
    const document = `query Oversized { viewer { owner ${'__typename '.repeat(20)} } }`;
    expect(document.length).toBeGreaterThan(200);
    const answer = await send({ query: document, hash: sha256(document) });
    expect(answer.body.data).toMatchObject(answered);
    expect(await isStored(document)).toBe(false);
  });

  it('keeps at most maxEntries documents, dropping the least recently used', async () => {
    const documents = ['First', 'Second', 'Third', 'Fourth'].map((name) => documentNamed(`Bounded${name}`));
    const [first, second, third, fourth] = documents as [string, string, string, string];
    for (const document of [first, second, third]) await send({ query: document, hash: sha256(document) });
    expect(await isStored(first)).toBe(true); // now the most recently used
    await send({ query: fourth, hash: sha256(fourth) });
    expect(await isStored(second)).toBe(false);
    for (const document of [first, third, fourth]) expect(await isStored(document)).toBe(true);
  });

  it('keeps no document that the operation limits refuse; its hash cannot get it past them', async () => {
    const aliases = Array.from({ length: 16 }, (_, index) => `a${index}: viewer { owner }`).join(' ');
    const document = `query TooManyAliases { ${aliases} }`;
    const answer = await send({ query: document, hash: sha256(document) });
    expect([answer.status, firstCode(answer)]).toEqual([400, 'OPERATION_LIMIT']);
    expect(await isStored(document)).toBe(false);
  });

  it('keeps no document from a POST that CSRF prevention refuses', async () => {
    const document = documentNamed('FromAForm');
    const body = JSON.stringify({
      query: document,
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256(document) } },
    });
    const response = await fetch(fixture.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body,
    });
    expect(response.status).toBe(403);
    expect(await isStored(document)).toBe(false);
  });
});

describe('automatic persisted queries where a token is required', () => {
  const fixture = persistedGatewayFixture({ environment: { AUTH_REQUIRED: 'true' } });

  it('keeps no document from a caller without a valid token, over GET or POST', async () => {
    const token = fixture.gateway.app.tokens.create({ owner: 'alice', scopes: ['jobs:read'] }).secret;
    const document = documentNamed('Anonymous');
    for (const method of ['GET', 'POST'] as const) {
      for (const caller of [undefined, `wan_${'x'.repeat(43)}`]) {
        const answer = await persistedRequest(fixture.gateway.url, {
          query: document,
          hash: sha256(document),
          method,
          token: caller,
        });
        expect([answer.status, firstCode(answer)]).toEqual([401, 'UNAUTHENTICATED']);
      }
    }
    const lookup = await persistedRequest(fixture.gateway.url, { hash: sha256(document), token });
    expect(firstCode(lookup)).toBe('PERSISTED_QUERY_NOT_FOUND');
    // The same registration with the token is kept, and answers that owner alone.
    await persistedRequest(fixture.gateway.url, { query: document, hash: sha256(document), token });
    const hit = await persistedRequest(fixture.gateway.url, { hash: sha256(document), token, method: 'GET' });
    expect(hit.body).toEqual({ data: { viewer: { owner: 'alice' } } });
    const anonymous = await persistedRequest(fixture.gateway.url, { hash: sha256(document), method: 'GET' });
    expect(anonymous.status).toBe(401);
    expect((await requestAs(fixture.gateway.url, token, document)).body).toEqual(hit.body);
  });

  it('answers a tokenless GET 401 before looking anything up: no stranger learns which hashes are known', async () => {
    const unknown = await persistedRequest(fixture.gateway.url, {
      hash: sha256(documentNamed('Never')),
      method: 'GET',
    });
    expect([unknown.status, firstCode(unknown)]).toEqual([401, 'UNAUTHENTICATED']);
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer');
  });
});
