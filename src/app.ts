import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga } from 'graphql-yoga';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Config } from './config.js';
import { type Database, openDatabase } from './db/connection.js';
import { listLearnedDurations } from './db/job-queries.js';
import { urlHost } from './http/address.js';
import type { GraphQLContext } from './schema/builder.js';
import { schema } from './schema/index.js';
import { type Clock, systemClock } from './services/clock.js';
import { JobPubSub } from './services/jobs/job-pubsub.js';
import { JobService } from './services/jobs/job-service.js';
import { JobStateMachine } from './services/jobs/job-state-machine.js';
import { Dispatcher } from './services/scheduling/dispatcher.js';
import { DurationModel } from './services/scheduling/duration-model.js';
import { learnedPolicy } from './services/scheduling/poll-policy.js';
import { PollStep } from './services/scheduling/poll-step.js';
import { Poller } from './services/scheduling/poller.js';
import { SubmitStep } from './services/scheduling/submit-step.js';
import { Submitter } from './services/scheduling/submitter.js';
import { CallBudget } from './services/upstream/call-budget.js';
import { createSegmindClient } from './services/upstream/segmind-client.js';
import { UpstreamBreaker, type UpstreamBreakerOptions } from './services/upstream/upstream-breaker.js';
import { type Simulator, startSimulator } from './simulator/index.js';

export interface AppOptions {
  logger: Logger;
  /** Drives the poller and the call budget; tests pass their own. @default systemClock */
  clock?: Clock;
  /** First wait before a failed call is tried again. @default 1_000 */
  retryBaseMs?: number;
  /** How long a submit that Segmind did not take keeps being tried. @default 600_000 */
  submitRetryWindowMs?: number;
  /** On close, how long upstream calls in flight may take before they are aborted. @default 5_000 */
  shutdownGraceMs?: number;
  /** How the circuit breaker reacts to an outage; tests shorten its pauses. */
  breaker?: UpstreamBreakerOptions;
  /** Told of every error from the gateway's own code (a bug), after it is logged; tests fail on it. */
  onUnexpectedError?: (error: unknown) => void;
}

export interface App {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  /** The upstream in use: Segmind, or the built-in simulator. */
  upstream: { kind: 'segmind' | 'simulator'; url: string };
  jobs: JobService;
  poller: Poller;
  /** Stops accepting, closes WebSockets, lets in-flight work finish and be persisted, closes the database. Idempotent. */
  close(): Promise<void>;
}

/** Finished jobs replayed into the duration model at start (the model keeps the latest 50 per class). */
const learnedHistoryLimit = 5000;

/** WebSocket close code for "server going away". */
const goingAway = 1001;

/** Wires config -> database -> services -> HTTP and WebSocket server, and listens. */
export async function createApp(config: Config, options: AppOptions): Promise<App> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const cleanups: (() => Promise<void> | void)[] = [];
  const runCleanups = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };

  try {
    let simulator: Simulator | undefined;
    if (!config.segmind.apiKey) {
      simulator = await startSimulator({ ...config.simulator, host: '127.0.0.1' });
      cleanups.push(() => simulator?.close());
    }
    const upstreamUrl = simulator?.url ?? config.segmind.baseUrl;
    const client = createSegmindClient({
      baseUrl: upstreamUrl,
      apiKey: config.segmind.apiKey ?? 'simulator',
      timeoutMs: config.segmind.timeoutMs,
    });
    cleanups.push(() => client.close());

    const database: Database = openDatabase(config.databasePath);
    cleanups.push(() => database.close());

    // Against the simulator, its own clock is the best first guess.
    const simulatedMs = config.simulator.queueMs + config.simulator.processingMs;
    const model = new DurationModel(simulator ? { priorMedianMs: () => simulatedMs } : {});
    for (const sample of listLearnedDurations(database.db, learnedHistoryLimit))
      model.record(sample, sample.upstreamDurationMs);

    const pubsub = new JobPubSub();
    const machine = new JobStateMachine(database, pubsub, clock);
    const pollerLogger = logger.child({ component: 'poller' });
    const retries = { firstMs: options.retryBaseMs ?? 1000, maxMs: 30_000 };
    const polls = new PollStep({
      client,
      machine,
      policy: learnedPolicy({
        model,
        minIntervalMs: config.pollMinIntervalMs,
        maxIntervalMs: config.pollMaxIntervalMs,
        targetDelayMs: config.pollTargetDelayMs,
      }),
      model,
      clock,
      logger: pollerLogger,
      minIntervalMs: config.pollMinIntervalMs,
      retries,
    });
    const submitter = new Submitter(database, client, machine);
    const submits = new SubmitStep({
      submitter,
      machine,
      clock,
      logger: pollerLogger,
      onSubmitted: (job, requestId) => polls.watch(job, requestId, clock.now()),
      retries,
      retryWindowMs: options.submitRetryWindowMs ?? 600_000,
    });
    const breaker = new UpstreamBreaker(clock, options.breaker);
    breaker.onStateChange((open) => {
      if (open) pollerLogger.warn('Segmind looks down: upstream calls paused');
      else pollerLogger.info('Segmind answers again: upstream calls resumed');
    });
    const dispatcher = new Dispatcher({
      steps: [submits, polls],
      budget: new CallBudget(config.callsPerMinute, clock, config.rateWindowMs),
      breaker,
      clock,
      logger: pollerLogger,
      abortCalls: () => client.abortAll(),
      onUnexpectedError: options.onUnexpectedError ?? (() => {}),
      stopGraceMs: options.shutdownGraceMs,
    });
    const poller = new Poller({ database, submitter, submits, polls, dispatcher, logger: pollerLogger });
    const jobs = new JobService(database, pubsub, clock, poller, model);

    const yoga = createGraphQLHandler(jobs, logger);
    const server = createServer(yoga);
    const webSockets = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
    serveGraphQLOverWebSocket(webSockets, yoga, config.maxSubscriptionsPerConnection);

    // Closing runs these in reverse: stop accepting, close WebSockets (1001), let upstream calls in flight
    // finish and be recorded, let HTTP requests end, and only then close the database.
    let httpDrained: Promise<void> = Promise.resolve();
    cleanups.push(() => httpDrained);
    cleanups.push(() => poller.stop());
    cleanups.push(() => closeWebSockets(webSockets));
    cleanups.push(() => {
      httpDrained = closeHttpServer(server);
    });

    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    poller.start();

    const address = server.address() as AddressInfo;
    const host = urlHost(address);
    let closing: Promise<void> | undefined;
    return {
      url: `http://${host}:${address.port}/graphql`,
      upstream: { kind: simulator ? 'simulator' : 'segmind', url: upstreamUrl },
      jobs,
      poller,
      close: () => {
        closing ??= runCleanups();
        return closing;
      },
    };
  } catch (error) {
    await runCleanups();
    throw error;
  }
}

type GraphQLHandler = ReturnType<typeof createGraphQLHandler>;

/** GraphQL over HTTP (GET, POST, SSE), GraphiQL and the health check. */
function createGraphQLHandler(jobs: JobService, logger: Logger) {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    context: () => ({ jobs }),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    graphiql: { title: 'wan-i2v-gateway', subscriptionsProtocol: 'WS' },
    // GraphiQL served from this package rather than a CDN, so it works on machines without internet access.
    // Loaded on the first browser visit: its 18 MB bundle would otherwise add 0.4 s to every start.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      error: (...args) => logger.error({ err: args[0] }, args.slice(1).map(String).join(' ') || 'GraphQL error'),
    },
  });
}

/** graphql-ws on the same path, executed through Yoga's envelop so both transports share one pipeline. */
function serveGraphQLOverWebSocket(
  webSockets: WebSocketServer,
  yoga: GraphQLHandler,
  maxSubscriptionsPerConnection: number,
): void {
  type Enveloped = ReturnType<typeof yoga.getEnveloped>;
  useServer(
    {
      execute: (args) => (args.rootValue as { execute: Enveloped['execute'] }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: Enveloped['subscribe'] }).subscribe(args),
      onSubscribe: async (context, _id, payload) => {
        // graphql-ws has already entered this subscription in the list when it asks.
        if (Object.keys(context.subscriptions).length > maxSubscriptionsPerConnection) {
          const message = `at most ${maxSubscriptionsPerConnection} subscriptions per connection; open another connection`;
          return [new GraphQLError(message, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })];
        }
        const {
          schema: envelopedSchema,
          execute,
          subscribe,
          contextFactory,
          parse,
          validate,
        } = yoga.getEnveloped({ req: context.extra.request, socket: context.extra.socket, params: payload });
        const document = parse(payload.query);
        const errors = validate(envelopedSchema, document);
        if (errors.length > 0) return errors;
        return {
          schema: envelopedSchema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    },
    webSockets,
  );
}

function closeWebSockets(webSockets: WebSocketServer): Promise<void> {
  for (const socket of webSockets.clients) socket.close(goingAway, 'server shutting down');
  return new Promise((resolve) => webSockets.close(() => resolve()));
}

function closeHttpServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // SSE streams and idle keep-alive connections would otherwise hold the server open.
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}
