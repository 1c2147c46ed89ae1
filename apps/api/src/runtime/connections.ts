import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "@repo/logger";

export interface ConnectionsOptions {
  /** Open connections served at once; one past it is refused (see `overCapacity`). 0 = no limit. */
  maxConnections: number;
  /** Once an answer is complete, the time its client has to take it before the connection is cut. */
  sendTimeoutMs: number;
  logger: Logger;
}

/**
 * What the HTTP server knows about each open connection: the answers it still owes on it, in
 * order. That is what tells a received request (answered, and waited for on shutdown) from bytes
 * that never became one (a half-sent request, a silent connection: closed at once), what a
 * client error may and may not answer (a request already in the app's hands may have done its
 * work), and whether a connection came in past the limit.
 */
export class Connections {
  readonly #owed = new Map<Socket, ServerResponse[]>();
  readonly #closing = new WeakSet<Socket>();
  readonly #lastReceived = new WeakMap<Socket, IncomingMessage>();
  readonly #overCapacity = new WeakSet<Socket>();
  readonly #options: ConnectionsOptions;
  #draining = false;

  constructor(server: Server, options: ConnectionsOptions) {
    this.#options = options;
    server.on("connection", (socket: Socket) => {
      this.#owed.set(socket, []);
      socket.once("close", () => this.#owed.delete(socket));
      if (options.maxConnections > 0 && this.#owed.size > options.maxConnections) this.#overCapacity.add(socket);
    });
    // First, so every request is known before the app sees it.
    server.prependListener("request", (req: IncomingMessage, res: ServerResponse) => this.#received(req, res));
  }

  /** Whether the connection was accepted while the limit was already reached. */
  overCapacity(socket: Socket): boolean {
    return this.#overCapacity.has(socket);
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

  /**
   * Graceful drain: a connection with no request received (idle keep-alive, a half-sent request,
   * a client that never sent a byte) is closed at once; the others once their answers are
   * delivered, each answer saying `Connection: close`.
   */
  drain(): void {
    this.#draining = true;
    for (const socket of this.#owed.keys()) this.closeAfterOwed(socket);
  }

  /** Past the drain's bound: every connection, now. */
  destroyAll(): void {
    for (const socket of this.#owed.keys()) socket.destroy();
  }

  #received(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const owed = this.#owed.get(socket);
    owed?.push(res);
    this.#lastReceived.set(socket, req);
    if (this.#draining) res.shouldKeepAlive = false;
    // 'close' follows 'finish', and also comes alone when the connection goes first.
    res.once("close", () => {
      if (owed) owed.splice(owed.indexOf(res), 1);
      if (this.#draining && this.owed(socket).length === 0) end(socket);
    });
    // The answer is complete and handed to the socket: the client has sendTimeoutMs to take it.
    res.once("prefinish", () => {
      const timer = setTimeout(() => this.#notTaken(req, res), this.#options.sendTimeoutMs).unref();
      res.once("close", () => clearTimeout(timer));
    });
  }

  #notTaken(req: IncomingMessage, res: ServerResponse): void {
    const { sendTimeoutMs: timeoutMs, logger } = this.#options;
    logger.warn(
      { requestId: req.id, status: res.statusCode, timeoutMs },
      "answer not taken within SEND_TIMEOUT_MS: connection closed",
    );
    req.socket.destroy();
  }
}

/** Ends the connection and frees it once the end is flushed, without waiting for the client's FIN. */
function end(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end(() => socket.destroy());
}
