import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';

/** How long a clean stop may take before the process exits anyway. */
const shutdownDeadlineMs = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({
    level: config.logLevel,
    secrets: config.segmind.apiKey ? [config.segmind.apiKey] : [],
  });
  const app = await createApp(config, { logger });

  const upstream =
    app.upstream.kind === 'simulator'
      ? `the built-in simulator at ${app.upstream.url} (no SEGMIND_API_KEY set; set one to use Segmind)`
      : `Segmind at ${app.upstream.url}`;
  const access = config.access.authRequired
    ? 'token-only (send Authorization: Bearer <token>; make tokens with `wan-i2v tokens create`)'
    : 'open: no token needed, requests act as owner local (AUTH_REQUIRED=true to require tokens)';
  const allowList = config.persistedOperations;
  const browser = allowList
    ? `persisted operations only: ${allowList.documents.size} listed in ${allowList.path}, no GraphiQL`
    : 'GraphiQL in a browser';
  // The one line operators and tests look for.
  process.stdout.write(
    `wan-i2v-gateway ready at ${app.url} (${browser}; pid ${process.pid}), upstream: ${upstream}, API ${access}\n`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      process.exit(1);
    }, shutdownDeadlineMs).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `wan-i2v-gateway failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
