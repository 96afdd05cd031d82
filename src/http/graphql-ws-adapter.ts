import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, type makeServer } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { sendFrame } from './socket-frames.js';

/**
 * graphql-ws's protocol core on `ws` sockets, as graphql-ws's own `useServer` does it, with two differences:
 * no keep-alive of its own (see websocket-keepalive.ts), and each message is offered to `intercept` first,
 * which takes the ones it answers itself (a subscription that joins a running shared execution) so that
 * graphql-ws keeps nothing for them. Returns nothing: the server's close closes the sockets.
 */
export function serveProtocol<Extra>(
  webSockets: WebSocketServer,
  protocol: ReturnType<typeof makeServer<Record<string, unknown> | undefined, Extra>>,
  extraFor: (socket: WebSocket, request: IncomingMessage) => Extra,
  intercept: (socket: WebSocket, message: string) => boolean,
  onInternalError: (error: unknown) => void,
): void {
  webSockets.options.handleProtocols = handleProtocols;
  webSockets.on('error', onInternalError);
  webSockets.on('connection', (socket, request) => {
    const closed = protocol.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (!sendFrame(socket, data, (error) => (error ? reject(error) : resolve()))) resolve();
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data: Buffer) => {
            const message = String(data);
            if (intercept(socket, message)) return;
            try {
              await handle(message);
            } catch (error) {
              onInternalError(error);
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      extraFor(socket, request),
    );
    socket.once('close', (code, reason) => void closed(code, String(reason)));
  });
}
