/** The part of a WebSocket the gateway writes frames to (ws's `WebSocket` is one). */
export interface FrameSocket {
  readonly readyState: number;
  /** Bytes queued on the socket that the client has not taken yet. */
  readonly bufferedAmount: number;
  send(frame: string, done?: (error?: Error) => void): void;
  /** Drops the connection at once, freeing what is queued. */
  terminate(): void;
}

/** `WebSocket.OPEN`. */
const open = 1;

/**
 * Unsent bytes one socket may hold. A legitimate client is far below it (a job changes at most four times,
 * a connection holds at most MAX_SUBSCRIPTIONS_PER_CONNECTION subscriptions of a few KB each); past it the
 * client is not reading, and each further frame would grow the server's memory without bound.
 */
export const maxUnsentBytes = 4 * 1024 ** 2;

/**
 * Writes `frame` if the socket is open; a socket whose client has stopped reading (over `maxUnsentBytes`
 * queued) is dropped instead. Returns whether the frame went out. A dropped client reconnects and resumes
 * from the last version it has (`afterVersion`).
 */
export function sendFrame(socket: FrameSocket, frame: string, done?: (error?: Error) => void): boolean {
  if (socket.readyState !== open) return false;
  if (socket.bufferedAmount + frame.length > maxUnsentBytes) {
    socket.terminate();
    return false;
  }
  socket.send(frame, done);
  return true;
}
