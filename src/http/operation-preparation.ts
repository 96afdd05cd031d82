import { type DocumentNode, GraphQLError, getOperationAST, getVariableValues } from 'graphql';
import type { YogaServer } from 'graphql-yoga';
import { withClientCode, withoutHttpExtension } from './client-error-codes.js';
import { type ErrorReporting, unexpectedErrorMessage } from './error-reporting.js';
import type { PersistedOperations } from './persisted-operations.js';

// Yoga as both transports' plugins see it; its context types do not matter here.
type Yoga = Pick<YogaServer<Record<string, unknown>, Record<string, unknown>>, 'getEnveloped'>;
type Enveloped = ReturnType<Yoga['getEnveloped']>;

/** An operation as the streaming protocols carry it (a graphql-ws `subscribe` payload, a graphql-sse request). */
export interface OperationPayload {
  query?: string | undefined;
  operationName?: string | null | undefined;
  variables?: Record<string, unknown> | null | undefined;
  extensions?: Record<string, unknown> | null | undefined;
}

export interface PreparedOperation {
  /** Yoga's envelop for this operation: its `execute` and `subscribe` run it with every plugin. */
  enveloped: Enveloped;
  args: {
    schema: Enveloped['schema'];
    document: DocumentNode;
    operationName: string | null | undefined;
    variableValues: Record<string, unknown> | null | undefined;
    contextValue: Awaited<ReturnType<Enveloped['contextFactory']>>;
  };
  isSubscription: boolean;
}

export interface OperationPreparation {
  yoga: Yoga;
  errors: ErrorReporting;
  /** The allow-list mode, if on: the payload then names a listed operation by id. */
  persistedOperations: PersistedOperations | undefined;
}

/**
 * The one way an operation that reaches us outside Yoga's HTTP handling (graphql-ws, graphql-sse) is made
 * ready to run through Yoga's envelop: the listed document named (allow-list mode), parsed, validated
 * (operation limits included), its variables coerced (so wrong ones are refused before it starts), its
 * context built. A refusal comes back as coded errors, logged as the client's mistakes; a bug of ours is
 * masked and logged as one.
 */
export async function prepareOperation(
  { yoga, errors, persistedOperations }: OperationPreparation,
  initialContext: Record<string, unknown>,
  payload: OperationPayload,
): Promise<PreparedOperation | { errors: GraphQLError[] }> {
  try {
    const query = persistedOperations?.documentFor({ ...payload, query: payload.query ?? '' }) ?? payload.query ?? '';
    const enveloped = yoga.getEnveloped({ ...initialContext, params: payload });
    const document = enveloped.parse(query);
    const invalid = enveloped.validate(enveloped.schema, document);
    if (invalid.length > 0) return refused(errors, invalid);
    const operation = getOperationAST(document, payload.operationName);
    if (operation) {
      const coerced = getVariableValues(enveloped.schema, operation.variableDefinitions ?? [], payload.variables ?? {});
      if (coerced.errors) return refused(errors, coerced.errors);
    }
    return {
      enveloped,
      isSubscription: operation?.operation === 'subscription',
      args: {
        schema: enveloped.schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
        contextValue: await enveloped.contextFactory(),
      },
    };
  } catch (error) {
    // Syntax errors, allow-list and limit refusals, and our own bugs (masked and logged).
    return refused(errors, [errors.maskError(error, unexpectedErrorMessage)]);
  }
}

/** Errors refusing an operation, as a client reads them: coded, without what only HTTP answers use. */
export function refused(reporting: ErrorReporting, errors: readonly GraphQLError[]): { errors: GraphQLError[] } {
  const coded = errors.map((error) => withoutHttpExtension(withClientCode(error)));
  reporting.logClientErrors(coded);
  return { errors: coded };
}

export const tooManyOperations = (message: string) =>
  new GraphQLError(message, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } });
