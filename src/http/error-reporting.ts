import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { type Plugin, type YogaLogger, maskError as yogaMaskError } from 'graphql-yoga';
import type { Logger } from 'pino';
import { clientErrorFor } from '../schema/service-errors.js';
import { OperationLimitError } from './operation-limits.js';

/** What a client reads in place of an error of ours. */
export const unexpectedErrorMessage = 'Unexpected error.';

export interface ErrorReporting {
  /**
   * Yoga's `maskedErrors.maskError`, and graphql-ws's too: service errors become their client answers, limit
   * refusals 400s, GraphQL errors meant for the client pass, and anything else (a bug) is logged at error and
   * answered "Unexpected error." with `extensions.requestId`, the id of its log line.
   */
  maskError(error: unknown, message: string, isDev?: boolean): GraphQLError;
  /** Logs errors answered to a client at debug: its mistakes, never at error and never with a stack. */
  logClientErrors(errors: readonly GraphQLError[]): void;
  /** Yoga's `logging`, into pino. */
  logging: YogaLogger;
  /** Logs the errors of every single HTTP answer as client mistakes. */
  plugin: Plugin;
}

export function createErrorReporting(logger: Logger, onUnexpectedError: (error: unknown) => void): ErrorReporting {
  // Errors already logged or mapped here: Yoga logs an error at error level again whenever masking changed it.
  const handled = new WeakSet<object>();
  const remember = (...errors: unknown[]) => {
    for (const error of errors) if (typeof error === 'object' && error !== null) handled.add(error);
  };

  const maskError = (error: unknown, message: string): GraphQLError => {
    const thrown = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    const known = thrown instanceof OperationLimitError ? thrown.toGraphQLError() : clientErrorFor(thrown);
    if (known) {
      remember(error, thrown);
      return known;
    }
    // Never Yoga's development mode (NODE_ENV=development), which would answer the error's message and stack.
    const masked = yogaMaskError(error, message, false);
    if (masked === error && error instanceof GraphQLError) return error;
    const requestId = randomUUID();
    remember(error, thrown);
    logger.error({ err: thrown, requestId }, 'unexpected error, answered masked');
    onUnexpectedError(thrown);
    const base = masked instanceof GraphQLError ? masked : new GraphQLError(message);
    return new GraphQLError(base.message, {
      nodes: base.nodes,
      source: base.source,
      positions: base.positions,
      path: base.path,
      extensions: { ...base.extensions, requestId },
    });
  };

  const logClientErrors = (errors: readonly GraphQLError[]) => {
    const mistakes = errors.filter((error) => error.extensions.requestId === undefined);
    if (mistakes.length === 0) return;
    const summary = mistakes.map((error) => ({
      message: error.message,
      code: error.extensions.code,
      path: error.path,
    }));
    logger.debug({ errors: summary }, 'answered with client errors');
  };

  const text = (args: unknown[]) => args.map(String).join(' ');
  return {
    maskError,
    logClientErrors,
    logging: {
      debug: (...args) => logger.debug(text(args)),
      info: (...args) => logger.info(text(args)),
      warn: (...args) => logger.warn(text(args)),
      error: (...args) => {
        if (handled.has(args[0])) return;
        logger.error({ err: args[0] }, text(args.slice(1)) || 'GraphQL error');
      },
    },
    plugin: {
      onResultProcess: ({ result }) => {
        // Streams (SSE) answer event by event; only single answers are logged.
        if (Symbol.asyncIterator in result) return;
        for (const single of Array.isArray(result) ? result : [result]) {
          if (single.errors) logClientErrors(single.errors);
        }
      },
    },
  };
}
