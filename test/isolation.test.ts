import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import { encodeJobId } from '../src/domain/job-id.js';
import type { Simulator } from '../src/simulator/index.js';
import { dataField, requestAs, subscribeOnceOverWebSocket } from './support/auth.js';
import { createVideoMutation, gatewayFixture, startGateway, type TestGateway } from './support/gateway.js';

let upstream: Simulator;
let gateway: TestGateway;
let alice: string;
let bob: string;
let admin: string;
let aliceJob: string;

const input = (prompt: string, extra: Record<string, unknown> = {}) => ({
  input: { image: 'https://example.com/cat.png', prompt, ...extra },
});
const createdId = (answer: Awaited<ReturnType<typeof requestAs>>) =>
  dataField<{ job: { id: string } }>(answer, 'createVideo').job.id;
/** The answer with the asked-for id blanked out, to compare two answers' shape and wording. */
const withoutId = (answer: unknown, id: string) => JSON.parse(JSON.stringify(answer).replaceAll(id, '<id>'));

// Jobs that stay PROCESSING for the whole file, on a gateway that requires tokens.
const fixture = gatewayFixture('all', { processingMs: 60_000 }, { AUTH_REQUIRED: 'true' });

beforeAll(async () => {
  ({ upstream, gateway } = fixture);
  alice = gateway.app.tokens.create({ owner: 'alice', scopes: ['jobs:read', 'jobs:write'] }).secret;
  bob = gateway.app.tokens.create({ owner: 'bob', scopes: ['jobs:read', 'jobs:write'] }).secret;
  admin = gateway.app.tokens.create({ owner: 'ops', scopes: ['admin'] }).secret;
  aliceJob = createdId(
    await requestAs(gateway.url, alice, createVideoMutation, input('alice 1', { idempotencyKey: 'k1' })),
  );
});

describe("another owner's job is indistinguishable from one that does not exist", () => {
  // The next id the database would give: unknown now, of the very same form as a real one.
  const unknownJob = () => encodeJobId(1_000_000);

  it.each([
    ['videoJob', 'query ($id: ID!) { videoJob(id: $id) { id } }'],
    ['node', 'query ($id: ID!) { node(id: $id) { id } }'],
  ])('%s answers null, exactly as for an unknown id', async (_name, query) => {
    const theirs = await requestAs(gateway.url, bob, query, { id: aliceJob });
    const unknown = await requestAs(gateway.url, bob, query, { id: unknownJob() });
    expect(theirs.status).toBe(unknown.status);
    expect(withoutId(theirs.body, aliceJob)).toEqual(withoutId(unknown.body, unknownJob()));
    expect(Object.values(theirs.body.data ?? {})).toEqual([null]);
  });

  it('the subscription answers NOT_FOUND, worded as for an unknown id', async () => {
    const query = 'subscription ($id: ID!) { videoJob(id: $id) { id } }';
    const theirs = await subscribeOnceOverWebSocket(gateway.url, bob, query, { id: aliceJob });
    const unknown = await subscribeOnceOverWebSocket(gateway.url, bob, query, { id: unknownJob() });
    expect(theirs).toMatchObject({ kind: 'error', code: 'NOT_FOUND' });
    expect(withoutId(theirs, aliceJob)).toEqual(withoutId(unknown, unknownJob()));
  });

  it("lists only the caller's own jobs; an admin lists all, or one owner's", async () => {
    const bobJob = createdId(await requestAs(gateway.url, bob, createVideoMutation, input('bob 1')));
    const list = async (token: string, owner?: string) => {
      const answer = await requestAs(
        gateway.url,
        token,
        'query ($owner: String) { videoJobs(first: 50, owner: $owner) { edges { node { id owner } } } }',
        owner === undefined ? {} : { owner },
      );
      return dataField<{ edges: { node: { id: string; owner: string } }[] }>(answer, 'videoJobs').edges.map(
        (edge) => edge.node,
      );
    };
    expect(await list(bob)).toEqual([{ id: bobJob, owner: 'bob' }]);
    // Naming an owner is an admin's filter; anyone else still sees only their own.
    expect(await list(bob, 'alice')).toEqual([{ id: bobJob, owner: 'bob' }]);
    expect((await list(admin)).map((job) => job.owner).sort()).toEqual(['alice', 'bob']);
    expect(await list(admin, 'alice')).toEqual([{ id: aliceJob, owner: 'alice' }]);
  });

  it("idempotency keys are per owner: bob's k1 makes bob's own job, and never returns alice's", async () => {
    const bobFirst = createdId(
      await requestAs(gateway.url, bob, createVideoMutation, input('alice 1', { idempotencyKey: 'k1' })),
    );
    expect(bobFirst).not.toBe(aliceJob);
    const bobAgain = createdId(
      await requestAs(gateway.url, bob, createVideoMutation, input('alice 1', { idempotencyKey: 'k1' })),
    );
    expect(bobAgain).toBe(bobFirst);
    const aliceAgain = createdId(
      await requestAs(gateway.url, alice, createVideoMutation, input('alice 1', { idempotencyKey: 'k1' })),
    );
    expect(aliceAgain).toBe(aliceJob);
  });
});

describe('open mode (AUTH_REQUIRED=auto on loopback)', () => {
  it('serves requests without a token as owner local with every scope, and still checks a presented token', async () => {
    const openFolder = temporaryDirectory();
    const open = await startGateway({ upstream, databasePath: `${openFolder.path}/jobs.sqlite` });
    try {
      const viewer = await requestAs(open.url, undefined, '{ viewer { owner scopes } }');
      expect(viewer.body.data?.viewer).toEqual({ owner: 'local', scopes: ['jobs:read', 'jobs:write', 'admin'] });
      const bad = await requestAs(open.url, `wan_${'y'.repeat(43)}`, '{ viewer { owner } }');
      expect(bad.status).toBe(401);
    } finally {
      await open.close();
      openFolder.remove();
    }
  });
});
