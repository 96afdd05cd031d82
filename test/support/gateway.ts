import { dirname, join } from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { WebSocket } from 'ws';
import { type GraphQLResult, graphqlAt } from '../../harness/graphql.js';
import { temporaryDirectory } from '../../harness/temporary-directory.js';
import { testEnvironment } from '../../harness/test-environment.js';
import { type App, type AppOptions, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openViewer } from '../../src/domain/access.js';
import { decodeJobId } from '../../src/domain/job-id.js';
import type { Clock } from '../../src/services/clock.js';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../src/simulator/index.js';

/** Anything that answers GraphQL: an in-process gateway or a gateway process. */
export interface GraphQLEndpoint {
  graphql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>>;
}

export interface TestGateway extends GraphQLEndpoint {
  app: App;
  url: string;
  wsUrl: string;
  databasePath: string;
  /** What the gateway logged at warn level and above, one JSON line each: evidence of what it did. */
  warnings: string[];
  /** A graphql-ws client on this gateway, closed with the gateway. */
  wsClient(): Client;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** The fake Segmind to talk to. */
  upstream: Simulator;
  databasePath: string;
  clock?: Clock;
  environment?: Record<string, string>;
  /** Overrides of the test defaults for the app's own options. */
  app?: Partial<Omit<AppOptions, 'logger' | 'clock'>>;
}

/** A real gateway on an ephemeral loopback port, with a real SQLite file, talking HTTP to `upstream`. */
export async function startGateway(options: GatewayOptions): Promise<TestGateway> {
  const config = loadConfig({
    ...testEnvironment(options.upstream.url),
    PORT: '0',
    DATABASE_PATH: options.databasePath,
    // Kept videos beside the database file, in the test's own folder.
    MEDIA_DIR: join(dirname(options.databasePath), 'media'),
    ...options.environment,
  });
  const warnings: string[] = [];
  const app = await createApp(config, {
    logger: pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) }),
    clock: options.clock,
    retryBaseMs: 10,
    shutdownGraceMs: 300,
    breaker: { firstPauseMs: 500, maxPauseMs: 1000 },
    ...options.app,
  });
  const clients: Client[] = [];
  return {
    app,
    url: app.url,
    wsUrl: app.url.replace(/^http/, 'ws'),
    databasePath: options.databasePath,
    warnings,
    graphql: (query, variables) => graphqlAt(app.url, query, variables),
    wsClient() {
      const client = createClient({
        url: app.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.dispose()));
      await app.close();
    },
  };
}

/** A fake Segmind (the simulator) with test timings: a job is QUEUED 50 ms, then PROCESSING 400 ms. */
export function startFakeSegmind(options: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({ queueMs: 50, processingMs: 400, ...options });
}

export const createVideoMutation = /* GraphQL */ `
  mutation Create($input: CreateVideoInput!) {
    createVideo(input: $input) {
      __typename
      ... on CreateVideoSuccess { job { id status version } }
      ... on ValidationError { message issues { field message } }
    }
  }
`;

export interface CreateVideoAnswer {
  createVideo:
    | { __typename: 'CreateVideoSuccess'; job: { id: string; status: string; version: number } }
    | { __typename: 'ValidationError'; message: string; issues: { field: string; message: string }[] };
}

/** Creates a job and returns its global id, failing the test on anything but success. */
export async function createJob(gateway: GraphQLEndpoint, input: Record<string, unknown> = {}): Promise<string> {
  const answer = await gateway.graphql<CreateVideoAnswer>(createVideoMutation, {
    input: { image: 'https://example.com/cat.png', prompt: 'a cat surfing a wave', ...input },
  });
  const result = answer.data?.createVideo;
  if (result?.__typename !== 'CreateVideoSuccess') throw new Error(`createVideo failed: ${JSON.stringify(answer)}`);
  return result.job.id;
}

export const jobFields = /* GraphQL */ `
  id version status videoUrl cost upstreamRequestId startedAt finishedAt
  error { code message }
  events { status at message }
`;

export interface JobView {
  id: string;
  version: number;
  status: string;
  videoUrl: string | null;
  cost: number | null;
  upstreamRequestId: string | null;
  error: { code: string; message: string } | null;
  events: { status: string; at: string; message: string | null }[];
}

/** Polls the gateway (not Segmind) until the job reaches a terminal status. */
export async function waitForTerminal(gateway: GraphQLEndpoint, id: string, timeoutMs = 10_000): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await gateway.graphql<{ videoJob: JobView }>(
      `query ($id: ID!) { videoJob(id: $id) { ${jobFields} } }`,
      { id },
    );
    const job = answer.data?.videoJob;
    if (job && (job.status === 'COMPLETED' || job.status === 'FAILED')) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not finish: ${JSON.stringify(answer)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Collects every payload of one subscription until it completes. */
export function collectSubscription<T>(client: Client, query: string, variables: Record<string, unknown>) {
  const payloads: T[] = [];
  const done = new Promise<T[]>((resolve, reject) => {
    client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors) reject(new Error(JSON.stringify(result.errors)));
          else payloads.push(result.data as T);
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => resolve(payloads),
      },
    );
  });
  return { payloads, done };
}

/** A job's status read straight from the service (no GraphQL round trip), for manual-clock loops. */
export function statusOf(gateway: TestGateway, globalId: string): string | undefined {
  const databaseId = decodeJobId(globalId);
  return databaseId === undefined ? undefined : gateway.app.jobs.get(openViewer, databaseId)?.status;
}

export interface GatewayFixture {
  upstream: Simulator;
  gateway: TestGateway;
}

/**
 * A fake Segmind and a gateway on its own database file, made before and closed after each test
 * (`each`) or once for the whole file (`all`). Read its fields inside tests and hooks only.
 */
export function gatewayFixture(
  scope: 'each' | 'all',
  simulator: SimulatorOptions = {},
  environment: Record<string, string> = {},
  app: GatewayOptions['app'] = {},
): GatewayFixture {
  const fixture = {} as GatewayFixture;
  let folder: ReturnType<typeof temporaryDirectory> | undefined;
  (scope === 'each' ? beforeEach : beforeAll)(async () => {
    folder = temporaryDirectory();
    fixture.upstream = await startFakeSegmind(simulator);
    fixture.gateway = await startGateway({
      upstream: fixture.upstream,
      databasePath: `${folder.path}/jobs.sqlite`,
      environment,
      app,
    });
  });
  (scope === 'each' ? afterEach : afterAll)(async () => {
    await fixture.gateway?.close();
    await fixture.upstream?.close();
    folder?.remove();
  });
  return fixture;
}
