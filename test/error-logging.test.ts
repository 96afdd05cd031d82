import type { Client } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from './support/cleanup.js';
import { createJob, jobFields } from './support/gateway.js';
import { type LoggedGateway, startLoggedGateway } from './support/logged-gateway.js';

const cleanup = cleanupAfterEach();

async function loggedGateway(): Promise<LoggedGateway> {
  const gateway = await startLoggedGateway();
  cleanup(() => gateway.close());
  return gateway;
}

/** The first `error` (or errored result) of one operation over graphql-ws. */
function wsErrors(client: Client, query: string, variables: Record<string, unknown> = {}) {
  return new Promise<{ message: string; extensions?: Record<string, unknown> }[]>((resolve, reject) => {
    client.subscribe(
      { query, variables },
      {
        next: (result) => (result.errors ? resolve([...result.errors]) : undefined),
        error: (error) => (Array.isArray(error) ? resolve(error) : reject(new Error(String(error)))),
        complete: () => reject(new Error('completed without an error')),
      },
    );
  });
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('unexpected errors', () => {
  it('are answered "Unexpected error." with a request id, which names their one error log line', async () => {
    const gateway = await loggedGateway();
    const id = await createJob(gateway);
    gateway.app.jobs.get = () => {
      throw new Error('a bug in the job service');
    };
    const answer = await gateway.graphql<unknown>(`query ($id: ID!) { videoJob(id: $id) { ${jobFields} } }`, { id });
    expect(JSON.stringify(answer)).not.toContain('a bug');
    const error = answer.errors?.[0];
    expect(error?.message).toBe('Unexpected error.');
    const requestId = error?.extensions?.requestId;
    expect(requestId).toMatch(uuid);

    const errorLines = gateway.logLines().filter((line) => line.level >= 50);
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatchObject({ requestId, err: { message: 'a bug in the job service' } });
    expect(gateway.unexpected).toHaveLength(1);
  });

  it('are masked the same way over graphql-ws', async () => {
    const gateway = await loggedGateway();
    const id = await createJob(gateway);
    gateway.app.jobs.watch = () => {
      throw new Error('a bug in the job feed');
    };
    const errors = await wsErrors(gateway.wsClient(), 'subscription ($id: ID!) { videoJob(id: $id) { id } }', { id });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toBe('Unexpected error.');
    const requestId = errors[0]?.extensions?.requestId;
    expect(requestId).toMatch(uuid);
    const errorLines = gateway.logLines().filter((line) => line.level >= 50);
    expect(errorLines.map((line) => line.requestId)).toEqual([requestId]);
  });
});

describe('client mistakes', () => {
  it('are logged at debug, never at warn or error and never with a stack', async () => {
    const gateway = await loggedGateway();
    const mistakes: [string, () => Promise<unknown>][] = [
      ['GRAPHQL_PARSE_FAILED', () => gateway.graphql('{ videoJob(')],
      ['GRAPHQL_VALIDATION_FAILED', () => gateway.graphql('{ nope }')],
      ['OPERATION_LIMIT', () => gateway.graphql(`{ ${'__typename @include(if: true) '.repeat(30)}}`)],
      ['BAD_USER_INPUT', () => gateway.graphql('{ videoJobs(first: 2, after: "garbage") { edges { cursor } } }')],
      [
        'CSRF_PREVENTED',
        () => fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }),
      ],
      ['UNAUTHENTICATED', () => gateway.graphql('{ __typename }', {}, { authorization: 'Bearer wan_unknown' })],
      ['NOT_FOUND', () => wsErrors(gateway.wsClient(), 'subscription { videoJob(id: "VmlkZW9Kb2I6OTk5OTk5") { id } }')],
      ['GRAPHQL_PARSE_FAILED', () => wsErrors(gateway.wsClient(), 'subscription { videoJob(')],
    ];
    for (const [, make] of mistakes) await make();

    const lines = gateway.logLines();
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
    expect(gateway.logText()).not.toMatch(/"stack"/);
    const logged = lines
      .filter((line) => line.level === 20 && line.msg === 'answered with client errors')
      .flatMap((line) => (line.errors as { code: string }[]).map((error) => error.code));
    for (const [code] of mistakes) expect(logged).toContain(code);
    expect(gateway.unexpected).toEqual([]);
  });
});
