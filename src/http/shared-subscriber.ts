import { GraphQLError } from 'graphql';
import { type FrameSocket, sendFrame } from './socket-frames.js';

const finished: IteratorResult<never> = { done: true, value: undefined };

/** graphql-ws's list of a connection's subscriptions (its `Context`), for a subscriber it does not iterate. */
export interface SubscriptionListing {
  readonly subscriptions: Record<string, unknown>;
}

/** What a subscriber is a member of: told when the subscriber leaves. */
export interface Membership {
  leave(subscriber: SharedSubscriber): void;
}

/**
 * One graphql-ws subscription of a shared execution: all it keeps is its id, its socket and the last version
 * sent. Results arrive already serialized and go straight onto the socket as `next` frames. To graphql-ws it is
 * the subscription's async iterator: it yields nothing and its `return()` (the client's `complete`, a closed
 * socket) is how the subscriber leaves. The first subscriber of an execution is iterated by graphql-ws, which
 * sends `complete` (or `error`) when it ends; one that joined a running execution without graphql-ws (`listing`)
 * is only listed there, and sends its `complete` or `error` itself.
 */
export class SharedSubscriber implements AsyncIterableIterator<never> {
  /** Versions at or below this were sent already (or skipped: the client has them). */
  private lastVersion = 0;
  /** Set once the shared execution ended: undefined while live, `true` when done, else its error. */
  private outcome: true | { error: unknown } | undefined;
  /** graphql-ws's pending `next()`, woken when the stream ends. */
  private wake: (() => void) | undefined;

  constructor(
    readonly id: string,
    private readonly socket: FrameSocket,
    private readonly membership: Membership,
    private readonly listing?: SubscriptionListing,
  ) {}

  /** Sends one serialized result; a result of a version this subscriber has had already is skipped. */
  send(payload: string, version: number | undefined): void {
    if (this.outcome !== undefined) return;
    if (version !== undefined) {
      if (version <= this.lastVersion) return;
      this.lastVersion = version;
    }
    // Frames a client sees exactly as graphql-ws writes them: {"id","type","payload"}.
    sendFrame(this.socket, `{"id":${JSON.stringify(this.id)},"type":"next","payload":${payload}}`);
  }

  /**
   * The stream ended (with `error`, if the shared execution failed): graphql-ws's iteration ends and it sends
   * `complete` or `error`, or a listed subscriber sends its own.
   */
  end(error?: unknown): void {
    if (this.outcome !== undefined) return;
    this.outcome = error === undefined ? true : { error };
    this.wake?.();
    this.wake = undefined;
    const { listing } = this;
    // Still listed: the stream ended on our side (not on the client's `complete` or a closed socket).
    if (listing?.subscriptions[this.id] !== this) return;
    delete listing.subscriptions[this.id];
    const id = JSON.stringify(this.id);
    if (error === undefined) sendFrame(this.socket, `{"id":${id},"type":"complete"}`);
    else sendFrame(this.socket, `{"id":${id},"type":"error","payload":${JSON.stringify([asGraphQLError(error)])}}`);
  }

  next(): Promise<IteratorResult<never>> {
    const { outcome } = this;
    if (outcome === true) return Promise.resolve(finished);
    if (outcome !== undefined) return Promise.reject(outcome.error);
    return new Promise((resolve, reject) => {
      this.wake = () => {
        const ended = this.outcome;
        if (ended === undefined || ended === true) resolve(finished);
        else reject(ended.error);
      };
    });
  }

  return(): Promise<IteratorResult<never>> {
    if (this.outcome === undefined) this.membership.leave(this);
    this.end();
    return Promise.resolve(finished);
  }

  throw(error?: unknown): Promise<IteratorResult<never>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<never> {
    return this;
  }
}

/** A stream's failure as graphql-ws reports it in an `error` message. */
function asGraphQLError(error: unknown): GraphQLError {
  const original = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(original.message, { originalError: original });
}
