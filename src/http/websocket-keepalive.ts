import type { WebSocket, WebSocketServer } from 'ws';

/** `WebSocket.OPEN`. */
const open = 1;

/**
 * Pings every open socket each `intervalMs` and drops one that did not answer the previous ping: graphql-ws's
 * keep-alive (same period, same rule), with one timer for all sockets instead of a timer and a listener each.
 * Returns its stop.
 */
export function keepAlive(webSockets: WebSocketServer, intervalMs: number): () => void {
  const unanswered = new WeakSet<WebSocket>();
  function answered(this: WebSocket) {
    unanswered.delete(this);
  }
  const onConnection = (socket: WebSocket) => socket.on('pong', answered);
  webSockets.on('connection', onConnection);
  const timer = setInterval(() => {
    for (const socket of webSockets.clients) {
      if (unanswered.has(socket)) {
        socket.terminate();
      } else if (socket.readyState === open) {
        unanswered.add(socket);
        socket.ping();
      }
    }
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    webSockets.off('connection', onConnection);
  };
}
