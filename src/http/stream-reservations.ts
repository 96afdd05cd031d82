/** graphql-sse's header naming a reserved stream. */
export const streamTokenHeader = 'x-graphql-event-stream-token';

/** Streams an owner may have reserved and not yet opened; a new reservation past this ends the oldest. */
const maxUnopenedPerOwner = 8;
/** How long a reserved stream waits to be opened (graphql-sse clients open it right after reserving). */
const openWithinMs = 30_000;

interface Reservation {
  owner: string;
  opened: boolean;
  operations: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The reserved streams of graphql-sse's single connection mode: whose each one is, how many operations it
 * carries, and how long an unopened one is kept. graphql-sse itself keeps a reservation until its stream
 * closes, so one that is never opened would stay forever.
 */
export class StreamReservations {
  private readonly reservations = new Map<string, Reservation>();
  private readonly expiries = new WeakMap<Request, string>();

  /** Records `token` as `owner`'s; `expire` is called with it if it is not opened in time (or crowded out). */
  reserve(token: string, owner: string, expire: (token: string) => void): void {
    const unopened = [...this.reservations].filter(([, each]) => each.owner === owner && !each.opened);
    for (const [oldest] of unopened.slice(0, Math.max(0, unopened.length - maxUnopenedPerOwner + 1))) {
      this.end(oldest);
      expire(oldest);
    }
    const timer = setTimeout(() => {
      if (this.reservations.get(token)?.opened !== false) return;
      this.end(token);
      expire(token);
    }, openWithinMs);
    timer.unref();
    this.reservations.set(token, { owner, opened: false, operations: 0, timer });
  }

  belongsTo(token: string, owner: string): boolean {
    return this.reservations.get(token)?.owner === owner;
  }

  /** The stream is open; it is forgotten when its connection (`closed`) ends. */
  opened(token: string, closed: AbortSignal): void {
    const reservation = this.reservations.get(token);
    // A second GET of an open stream is refused by graphql-sse (409); its end must not end the first.
    if (!reservation || reservation.opened) return;
    clearTimeout(reservation.timer);
    reservation.opened = true;
    closed.addEventListener('abort', () => this.end(token), { once: true });
  }

  /** Counts an operation on the stream; false when it already carries `max`. */
  startOperation(token: string, max: number): boolean {
    const reservation = this.reservations.get(token);
    if (!reservation) return true;
    if (reservation.operations >= max) return false;
    reservation.operations += 1;
    return true;
  }

  endOperation(token: string): void {
    const reservation = this.reservations.get(token);
    if (reservation) reservation.operations = Math.max(0, reservation.operations - 1);
  }

  /** A request that opens the stream so that it can be closed at once, passing authentication as the server's own. */
  expiryRequest(token: string): Request {
    const request = new Request('http://gateway/graphql/stream', {
      headers: { accept: 'text/event-stream', [streamTokenHeader]: token },
    });
    this.expiries.set(request, token);
    return request;
  }

  /** The token an expiry request closes, or undefined for any other request. */
  expiryOf(request: Request): string | undefined {
    return this.expiries.get(request);
  }

  private end(token: string): void {
    clearTimeout(this.reservations.get(token)?.timer);
    this.reservations.delete(token);
  }
}
