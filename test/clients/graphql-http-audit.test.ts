import { auditServer } from 'graphql-http';
import { describe, expect, it } from 'vitest';
import { clientsGatewayFixture } from './support/clients-gateway.js';

const fixture = clientsGatewayFixture();

describe('GraphQL over HTTP conformance (graphql-http auditServer)', () => {
  it('passes every MUST and SHOULD audit, with a token as a client sends it', async () => {
    const authorization = `Bearer ${fixture.token('audit')}`;
    const results = await auditServer({
      url: fixture.gateway.url,
      fetchFn: (input: RequestInfo | URL, init?: RequestInit) => {
        const headers = new Headers(init?.headers);
        headers.set('authorization', authorization);
        return fetch(input, { ...init, headers });
      },
    });
    const failed = results
      .filter((result) => result.status !== 'ok' && /^(MUST|SHOULD) /.test(result.name))
      .map((result) => `${result.name}: ${'reason' in result ? result.reason : ''}`);
    expect(failed).toEqual([]);
    expect(results.length).toBeGreaterThan(30);
  });
});
