import type { DocumentNode, ExecutionResult, GraphQLError, GraphQLSchema } from 'graphql';
import type { Viewer } from '../domain/access.js';
import type { StreamResumption } from '../schema/builder.js';
import type { OperationPayload } from './operation-preparation.js';
import { type Membership, SharedSubscriber, type SubscriptionListing } from './shared-subscriber.js';
import type { FrameSocket } from './socket-frames.js';

/** What the subscribers of one execution run, as graphql-ws is told it (it does not run it itself). */
export interface SharedOperation {
  schema: GraphQLSchema;
  document: DocumentNode;
}

export interface Joined {
  subscriber: SharedSubscriber;
  operation: SharedOperation;
}

/** Starts the one execution of a shared subscription, with `stream` in its context to learn each result's version. */
export type StartExecution = (
  stream: StreamResumption,
) => Promise<AsyncIterable<ExecutionResult> | ExecutionResult> | AsyncIterable<ExecutionResult> | ExecutionResult;

/**
 * Identical subscriptions, run once (as Hasura multiplexes live queries): the same document, operation name,
 * variables and extensions, asked by the same owner with the same scopes. Two owners never share an
 * execution, so a job one cannot see stays invisible to them, and results that depend on the viewer stay
 * theirs. Each result is executed and serialized once and written to every subscriber's socket.
 */
export class SharedSubscriptions {
  private readonly running = new Map<string, SharedExecution>();

  /** @param logClientErrors told of errors inside results, once per result (not once per subscriber) */
  constructor(private readonly logClientErrors: (errors: readonly GraphQLError[]) => void) {}

  /** Executions running now (what a test or a gauge reads). */
  get size(): number {
    return this.running.size;
  }

  /**
   * Joins the running execution of `key`, if there is one. With `listing`, graphql-ws only lists the subscriber
   * (it does not iterate it), and the subscriber sends its own `complete`.
   */
  join(key: string, id: string, socket: FrameSocket, listing?: SubscriptionListing): Joined | undefined {
    const execution = this.running.get(key);
    return execution && { subscriber: execution.join(id, socket, listing), operation: execution.operation };
  }

  /** Starts the execution of `key` with its first subscriber. */
  start(key: string, operation: SharedOperation, id: string, socket: FrameSocket, run: StartExecution): Joined {
    const execution = new SharedExecution(key, operation, this);
    this.running.set(key, execution);
    const subscriber = execution.join(id, socket);
    void execution.run(run);
    return { subscriber, operation };
  }

  /** @internal an execution that ended or lost its last subscriber */
  ended(execution: SharedExecution): void {
    if (this.running.get(execution.key) === execution) this.running.delete(execution.key);
  }

  /** @internal */
  reportErrors(errors: readonly GraphQLError[]): void {
    this.logClientErrors(errors);
  }
}

/**
 * The key of a subscription: what makes two of them the same execution; undefined when the request holds a
 * value JSON cannot say again (a number too large for a double, as `1e400`), which then runs on its own.
 */
export function sharingKey(viewer: Viewer, payload: OperationPayload): string | undefined {
  try {
    return JSON.stringify([
      viewer.owner,
      [...viewer.scopes].sort(),
      payload.query ?? null,
      payload.operationName ?? null,
      canonical(payload.variables ?? null),
      canonical(payload.extensions ?? null),
    ]);
  } catch (error) {
    if (error instanceof UnshareableValue) return undefined;
    throw error;
  }
}

class UnshareableValue extends Error {}

/**
 * A JSON value with object keys sorted, so `{a, b}` and `{b, a}` are one key. Objects without a prototype, so
 * a `__proto__` key stays a key; a non-finite number (which JSON would write as null) cannot be keyed.
 */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'number' && !Number.isFinite(value)) throw new UnshareableValue();
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = Object.create(null);
  for (const name of Object.keys(value).sort()) sorted[name] = canonical((value as Record<string, unknown>)[name]);
  return sorted;
}

/** One running execution and its subscribers. */
class SharedExecution implements Membership {
  private readonly subscribers = new Set<SharedSubscriber>();
  /** The last result, serialized, with its version: a late subscriber's snapshot. */
  private latest: { payload: string; version: number | undefined } | undefined;
  /** The version the result being executed resolved (told by the subscription field through `stream`). */
  private resolvedVersion: number | undefined;
  private source: AsyncIterator<ExecutionResult> | undefined;
  private over = false;

  constructor(
    readonly key: string,
    readonly operation: SharedOperation,
    private readonly owner: SharedSubscriptions,
  ) {}

  join(id: string, socket: FrameSocket, listing?: SubscriptionListing): SharedSubscriber {
    const subscriber = new SharedSubscriber(id, socket, this, listing);
    this.subscribers.add(subscriber);
    // The latest result is the subject as it is now; whatever changes next is executed after it.
    if (this.latest) subscriber.send(this.latest.payload, this.latest.version);
    return subscriber;
  }

  leave(subscriber: SharedSubscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size > 0 || this.over) return;
    // The last one left: no one is told of the subject any more (the job's watch ends with the source).
    this.over = true;
    this.owner.ended(this);
    void this.source?.return?.();
  }

  async run(start: StartExecution): Promise<void> {
    const stream: StreamResumption = {
      afterVersion: undefined,
      resolved: (version) => {
        this.resolvedVersion = version;
      },
    };
    try {
      const result = await start(stream);
      if (!(Symbol.asyncIterator in result)) {
        // Refused before it started (an unknown job, a missing scope): a single result, then complete.
        this.publish(result);
        return this.finish();
      }
      const source = result[Symbol.asyncIterator]();
      this.source = source;
      if (this.over) {
        await source.return?.();
        return;
      }
      for (;;) {
        const next = await source.next();
        if (next.done || this.over) break;
        this.publish(next.value);
      }
      this.finish();
    } catch (error) {
      this.finish(error);
    }
  }

  private publish(result: ExecutionResult): void {
    if (this.over) return;
    if (result.errors) this.owner.reportErrors(result.errors);
    // As graphql-ws writes a payload: GraphQLError's toJSON gives each error's client shape.
    const payload = JSON.stringify(result);
    const version = this.resolvedVersion;
    this.resolvedVersion = undefined;
    this.latest = { payload, version };
    for (const subscriber of this.subscribers) subscriber.send(payload, version);
  }

  private finish(error?: unknown): void {
    const wasOver = this.over;
    this.over = true;
    this.owner.ended(this);
    if (wasOver) return;
    for (const subscriber of this.subscribers) subscriber.end(error);
    this.subscribers.clear();
  }
}
