import { type ExecutionResult, GraphQLError } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';

/**
 * Every error a client causes carries `extensions.code`. graphql-js raises some without one (a variable of
 * the wrong shape, a missing required input field), as do Pothos's argument checks (a malformed global id):
 * those are the client's input, so they get BAD_USER_INPUT. An error with a cause that is not itself a
 * GraphQL error is ours, and is left to the error masking.
 */
export function useClientErrorCodes(): Plugin {
  const coded = handleResult(withClientCode);
  return {
    onExecute: () => ({ onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, coded) }),
    onSubscribe: () => ({ onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, coded) }),
  };
}

/** The error with BAD_USER_INPUT as its code when it is the client's and has none (see useClientErrorCodes). */
export function withClientCode(error: GraphQLError): GraphQLError {
  const cause = error.originalError;
  if (error.extensions.code !== undefined || (cause && !(cause instanceof GraphQLError))) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: cause,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
  });
}

function handleResult(withCode: (error: GraphQLError) => GraphQLError) {
  return ({ result, setResult }: { result: ExecutionResult; setResult: (result: ExecutionResult) => void }) => {
    if (result.errors?.some((error) => error.extensions.code === undefined)) {
      setResult({ ...result, errors: result.errors.map(withCode) });
    }
  };
}

/** The error without `extensions.http`, the status and headers it asks of an HTTP answer: nothing on a socket. */
export function withoutHttpExtension(error: GraphQLError): GraphQLError {
  if (error.extensions.http === undefined) return error;
  const { http: _, ...extensions } = error.extensions;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions,
  });
}
