import { createHash } from 'node:crypto';
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { describe, expect, it } from 'vitest';
import { persistedGatewayFixture, sha256 } from '../support/persisted.js';

/** What Apollo Client sent: method, whether the document went along, and the hash it named. */
interface Sent {
  method: string;
  withDocument: boolean;
  hash: string | undefined;
}

/** Apollo Client with PersistedQueryLink in front of HttpLink, on `url`, recording every request it sends. */
function apolloClient(url: string, options: { useGETForHashedQueries?: boolean } = {}) {
  const sent: Sent[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const fields: { query?: string; extensions?: string | { persistedQuery?: { sha256Hash?: string } } } =
      request.method === 'GET' ? Object.fromEntries(new URL(request.url).searchParams) : await request.clone().json();
    const extensions = typeof fields.extensions === 'string' ? JSON.parse(fields.extensions) : fields.extensions;
    sent.push({
      method: request.method,
      withDocument: fields.query !== undefined,
      hash: extensions?.persistedQuery?.sha256Hash,
    });
    return fetch(request);
  };
  const link = new PersistedQueryLink({
    sha256: (document: string) => createHash('sha256').update(document).digest('hex'),
    ...options,
  }).concat(new HttpLink({ uri: url, fetch: recordingFetch }));
  return { client: new ApolloClient({ link, cache: new InMemoryCache() }), sent };
}

const viewerQuery = gql`
  query ApolloViewer {
    viewer {
      owner
    }
  }
`;

describe("Apollo Client's PersistedQueryLink", () => {
  const fixture = persistedGatewayFixture();

  it('sends the hash, then the document once it is unknown, then the hash alone', async () => {
    const { client, sent } = apolloClient(fixture.gateway.url);
    for (let run = 0; run < 2; run++) {
      const { data } = await client.query({ query: viewerQuery, fetchPolicy: 'network-only' });
      expect(data).toEqual({ viewer: { owner: 'local', __typename: 'Viewer' } });
    }
    const [hash] = sent.map((request) => request.hash);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(sent).toEqual([
      { method: 'POST', withDocument: false, hash }, // PERSISTED_QUERY_NOT_FOUND
      { method: 'POST', withDocument: true, hash }, // registered
      { method: 'POST', withDocument: false, hash }, // answered by hash
    ]);
    // Another client (a CDN's viewpoint): GET by hash alone, answered at the first request.
    const other = apolloClient(fixture.gateway.url, { useGETForHashedQueries: true });
    const { data } = await other.client.query({ query: viewerQuery, fetchPolicy: 'network-only' });
    expect(data).toEqual({ viewer: { owner: 'local', __typename: 'Viewer' } });
    expect(other.sent).toEqual([{ method: 'GET', withDocument: false, hash }]);
  });
});

describe("Apollo Client's PersistedQueryLink against PERSISTED_OPERATIONS_ONLY", () => {
  // The document as the link prints it, with the __typename fields Apollo adds: what its manifest would list.
  const printed = 'query ApolloViewer {\n  viewer {\n    owner\n    __typename\n  }\n}';
  const fixture = persistedGatewayFixture({ manifest: { [sha256(printed)]: printed } });

  it('runs a listed query by hash in one request, and surfaces an unlisted one at once, without sending it', async () => {
    const { client, sent } = apolloClient(fixture.gateway.url);
    const { data } = await client.query({ query: viewerQuery, fetchPolicy: 'network-only' });
    expect(data).toEqual({ viewer: { owner: 'local', __typename: 'Viewer' } });
    expect(sent).toEqual([{ method: 'POST', withDocument: false, hash: sha256(printed) }]);

    const unlisted = gql`
      query ApolloUnlisted {
        viewer {
          scopes
        }
      }
    `;
    await expect(client.query({ query: unlisted, fetchPolicy: 'network-only' })).rejects.toThrow(
      /PersistedQueryNotInList/,
    );
    expect(sent.slice(1).map((request) => request.withDocument)).toEqual([false]);
  });
});
