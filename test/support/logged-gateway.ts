import { Writable } from 'node:stream';
import { type Client, createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import type { GraphQLResult } from '../../harness/graphql.js';
import { temporaryDirectory } from '../../harness/temporary-directory.js';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startFakeSegmind } from './gateway.js';

/** One pino line as written. */
export type LogLine = { level: number; msg: string } & Record<string, unknown>;

export interface LoggedGateway {
  app: App;
  url: string;
  /** Everything logged so far, as written: the JSON lines, scrubbed or not. */
  logText(): string;
  logLines(): LogLine[];
  /** What the app reported through `onUnexpectedError`. */
  unexpected: unknown[];
  /** One POST with extra headers. */
  graphql<T>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResult<T>>;
  wsClient(connectionParams?: Record<string, unknown>): Client;
  close(): Promise<void>;
}

/**
 * A gateway in this process whose logger (the one `main.ts` builds, at `trace`) writes into memory, talking
 * to a fake Segmind; `environment` overrides the configuration.
 */
export async function startLoggedGateway(environment: Record<string, string> = {}): Promise<LoggedGateway> {
  const folder = temporaryDirectory();
  const upstream = await startFakeSegmind();
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const config = loadConfig({
    PORT: '0',
    DATABASE_PATH: `${folder.path}/jobs.sqlite`,
    MEDIA_DIR: `${folder.path}/media`,
    SEGMIND_API_KEY: 'test-key',
    SEGMIND_BASE_URL: upstream.url,
    POLL_MIN_INTERVAL_MS: '100',
    POLL_MAX_INTERVAL_MS: '200',
    POLL_TARGET_DELAY_MS: '100',
    URL_PRECHECK: 'false',
    ...environment,
  });
  const key = config.segmind.apiKey;
  const logger = createLogger({ level: 'trace', secrets: key ? [key] : [] }, sink);
  const unexpected: unknown[] = [];
  const app = await createApp(config, { logger, onUnexpectedError: (error) => unexpected.push(error) });
  const clients: Client[] = [];
  return {
    app,
    url: app.url,
    logText: () => chunks.join(''),
    logLines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as LogLine),
    unexpected,
    graphql: async (query, variables, headers = {}) => {
      const response = await fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return response.json();
    },
    wsClient: (connectionParams) => {
      const client = createClient({
        url: app.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
        connectionParams,
      });
      clients.push(client);
      return client;
    },
    close: async () => {
      await Promise.all(clients.map((client) => client.dispose()));
      await app.close();
      await upstream.close();
      folder.remove();
    },
  };
}
