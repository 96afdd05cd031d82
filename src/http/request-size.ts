import { IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { type Refusal, sendGraphQLError } from './refusal.js';

/**
 * How long a refused upload's connection stays half-open: closing it at once, with the client's bytes
 * still arriving, resets it and the client may lose the 413 before reading it.
 */
const lingerMs = 2000;

/** Closes a connection whose request body is left unread, once the answer is out (after a linger). */
function closeAfterAnswer(request: IncomingMessage, response: ServerResponse): void {
  response.once('finish', () => {
    request.socket.end();
    setTimeout(() => request.socket.destroy(), lingerMs).unref();
  });
}

/**
 * Stops reading the rest of a request's body while its answer is still to be written (an upload already
 * refused need not be received whole); false when the request is not one this server bounds.
 */
export function stopReadingBody(request: IncomingMessage | undefined, response: ServerResponse | undefined): boolean {
  if (!request || !response || !('stopReading' in request)) return false;
  (request as BoundedIncomingMessage).stopReading();
  closeAfterAnswer(request, response);
  return true;
}

class RequestBodyTooLargeError extends Error {
  override name = 'RequestBodyTooLargeError';
}

/** An IncomingMessage that takes at most `maxBytes` of body; `stopReading` ends it early. */
type BoundedIncomingMessage = IncomingMessage & { stopReading(error?: Error): void };

/**
 * Request bodies over `maxBytes` are answered 413 and never read whole: a Content-Length above the cap at
 * once, unread; any other body as soon as it passes the cap, since Node hands each chunk of it to `push`.
 */
export function requestBodyLimit(maxBytes: number) {
  class LimitedIncomingMessage extends IncomingMessage implements BoundedIncomingMessage {
    private received = 0;
    private stopped = false;

    override push(chunk: unknown, encoding?: BufferEncoding): boolean {
      // Returning false without taking the chunk makes Node stop reading the socket.
      if (this.stopped) return false;
      if (chunk instanceof Uint8Array) {
        this.received += chunk.byteLength;
        if (this.received > maxBytes) {
          this.stopReading(new RequestBodyTooLargeError());
          return false;
        }
      }
      return super.push(chunk, encoding);
    }

    /**
     * Fails the body for whoever reads it; the socket, which stays open for the answer, is read no further than
     * its next chunk: `push` refuses it, and Node's HTTP parser then stops reading. Not `socket.pause()`: a resume
     * Node had already scheduled undid it, and a refused 200 MB upload went on being read during the linger.
     */
    stopReading(error?: Error): void {
      this.stopped = true;
      this.destroy(error);
    }

    override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
      // IncomingMessage would destroy the socket with an unfinished body; the 413 still has to go out on it.
      if (this.stopped) callback(error);
      else super._destroy(error, callback);
    }
  }

  /** Answers a request whose body is not read (any more); the connection closes once the answer is out. */
  const refuse = (request: IncomingMessage, response: ServerResponse, ...answer: Refusal) => {
    if (response.headersSent) {
      request.socket.destroy();
      return;
    }
    closeAfterAnswer(request, response);
    sendGraphQLError(response, ...answer);
  };
  const answerTooLarge = (request: IncomingMessage, response: ServerResponse) =>
    refuse(
      request,
      response,
      413,
      'PAYLOAD_TOO_LARGE',
      `the request body is over ${maxBytes} bytes (MAX_REQUEST_BYTES); send media as links or smaller files`,
    );

  return {
    /** For `http.createServer({ IncomingMessage })`; the server's `checkContinue` requests go to `serve` too. */
    IncomingMessage: LimitedIncomingMessage,
    /** Answers a request without reading its body; only a `serve`d request's body is read. */
    refuseUnread(request: BoundedIncomingMessage, response: ServerResponse, ...answer: Refusal): void {
      request.stopReading();
      refuse(request, response, ...answer);
    },
    /** Serves a request through `handler`, or answers 413 for a body over the cap. */
    serve(request: BoundedIncomingMessage, response: ServerResponse, handler: RequestListener): void {
      if (Number(request.headers['content-length']) > maxBytes) {
        request.stopReading();
        answerTooLarge(request, response);
        return;
      }
      request.on('error', (error) => {
        if (error instanceof RequestBodyTooLargeError) answerTooLarge(request, response);
      });
      // Only now, so a client that asks first (curl does, above 1 MB) never sends a body that is refused.
      if (request.headers.expect?.toLowerCase() === '100-continue') response.writeContinue();
      handler(request, response);
    },
  };
}
