import { afterAll, beforeAll } from 'vitest';
import { openViewer } from '../../../src/domain/access.js';
import { activeStatuses } from '../../../src/domain/job.js';
import { runUntil, startOnManualClock } from '../../support/drive.js';
import type { TestGateway } from '../../support/gateway.js';
import type { ManualClock } from '../../support/manual-clock.js';

export interface ClientsGateway {
  gateway: TestGateway;
  /** A new jobs:read and jobs:write token's secret for `owner`; each test takes its own owner, to see its own jobs. */
  token(owner: string): string;
  /** Moves the clock until no job is left unfinished: what a client watches then runs to its end. */
  finishEveryJob(): Promise<void>;
}

/**
 * The gateway client libraries meet, once for a test file: tokens required, as anywhere beyond loopback,
 * and a manual clock, so jobs stay PENDING until a test moves time, and then finish without waiting.
 * Read its fields inside tests and hooks only.
 */
export function clientsGatewayFixture(): ClientsGateway {
  const cleanups: (() => unknown)[] = [];
  let clock: ManualClock;
  const fixture = {
    token: (owner: string) => fixture.gateway.app.tokens.create({ owner, scopes: ['jobs:read', 'jobs:write'] }).secret,
    finishEveryJob: () => {
      const unfinished = () =>
        fixture.gateway.app.jobs.page(openViewer, { statuses: activeStatuses, limit: 1, order: 'newest' });
      return runUntil(clock, fixture.gateway, () => unfinished().length === 0, 10 * 60_000);
    },
  } as ClientsGateway;
  beforeAll(async () => {
    const started = await startOnManualClock({}, { AUTH_REQUIRED: 'true' }, (...more) => cleanups.push(...more));
    fixture.gateway = started.gateway;
    clock = started.clock;
  });
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return fixture;
}
