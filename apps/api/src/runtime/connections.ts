import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * What the HTTP server knows about each open connection: the answers it still owes on it, in
 * order. That is what tells what a client error may and may not answer: a request already in
 * the app's hands may have done its work.
 */
export class Connections {
  readonly #owed = new Map<Socket, ServerResponse[]>();
  readonly #closing = new WeakSet<Socket>();
  readonly #lastReceived = new WeakMap<Socket, IncomingMessage>();

  constructor(server: Server) {
    server.on("connection", (socket: Socket) => {
      this.#owed.set(socket, []);
      socket.once("close", () => this.#owed.delete(socket));
    });
    // First, so every request is known before the app sees it.
    server.prependListener("request", (req: IncomingMessage, res: ServerResponse) => this.#received(req, res));
  }

  /** The answers not yet delivered on this connection, oldest first. */
  owed(socket: Socket): ServerResponse[] {
    return (this.#owed.get(socket) ?? []).filter((res) => !res.writableFinished);
  }

  /** The last request received on this connection, answered or not. */
  lastReceived(socket: Socket): IncomingMessage | undefined {
    return this.#lastReceived.get(socket);
  }

  /** Whether `closeAfterOwed` was called for this connection. */
  closingAfterOwed(socket: Socket): boolean {
    return this.#closing.has(socket);
  }

  /**
   * The connection closes once its last owed answer is delivered: that answer says
   * `Connection: close` when its headers are still to be sent, else the connection is ended
   * right after it. Returns false when that was already arranged.
   */
  closeAfterOwed(socket: Socket): boolean {
    if (this.#closing.has(socket)) return false;
    this.#closing.add(socket);
    const last = this.owed(socket).at(-1);
    if (!last) {
      end(socket);
    } else if (!last.headersSent) {
      last.shouldKeepAlive = false;
    } else {
      last.once("close", () => end(socket));
    }
    return true;
  }

  #received(req: IncomingMessage, res: ServerResponse): void {
    const owed = this.#owed.get(req.socket);
    owed?.push(res);
    this.#lastReceived.set(req.socket, req);
    // 'close' follows 'finish', and also comes alone when the connection goes first.
    res.once("close", () => {
      if (owed) owed.splice(owed.indexOf(res), 1);
    });
  }
}

/** Ends the connection and frees it once the end is flushed, without waiting for the client's FIN. */
function end(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end(() => socket.destroy());
}
