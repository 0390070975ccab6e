/**
 * The TCP transport's one budget for every socket the node holds (`limits.maxSockets`): inbound,
 * outbound, dials in progress and the sockets extensions open. At the budget the caller drops what
 * needed the socket and a throttled warning says so, so the process never meets EMFILE.
 */
import type { Socket } from "node:net";
import type { LogFields, Logger } from "../base/logger.js";
import { ThrottledWarning } from "../base/throttled-warning.js";
import type { TransportLimits } from "./limits.js";

/** Counts the sockets not yet closed against `maxSockets`, and closes them all at shutdown. */
export class SocketBudget {
  /** Every socket not yet closed: connections, refused inbound sockets and dials in progress. */
  private readonly sockets = new Set<Socket>();
  private readonly socketClosed = new WeakMap<Socket, Promise<void>>();
  private readonly overBudget: ThrottledWarning;

  constructor(
    private readonly limits: Pick<TransportLimits, "maxSockets">,
    logger: Logger,
  ) {
    this.overBudget = new ThrottledWarning(logger, "refused a socket: the node holds limits.maxSockets sockets");
  }

  /** The budget: `limits.maxSockets`. */
  get maxSockets(): number {
    return this.limits.maxSockets;
  }

  /** The sockets counted now. */
  get size(): number {
    return this.sockets.size;
  }

  /**
   * Whether one more socket may be opened now. When not, logs the throttled over-budget warning (with
   * `fields`); the caller drops what needed the socket.
   */
  admit(fields: LogFields = {}): boolean {
    if (this.sockets.size < this.limits.maxSockets) return true;
    this.overBudget.warn({ ...fields, maxSockets: this.limits.maxSockets });
    return false;
  }

  /**
   * Whether a socket already counted (`track`) keeps within the budget. When not, logs the throttled
   * over-budget warning (with `fields`); the caller closes the socket.
   */
  admitTracked(fields: LogFields = {}): boolean {
    if (this.sockets.size <= this.limits.maxSockets) return true;
    this.overBudget.warn({ ...fields, maxSockets: this.limits.maxSockets });
    return false;
  }

  /** Counts a socket until it has closed, and makes `destroyAll()` destroy it and wait for it. */
  track(socket: Socket): void {
    this.sockets.add(socket);
    this.socketClosed.set(
      socket,
      new Promise((resolve) => {
        socket.once("close", () => {
          this.sockets.delete(socket);
          resolve();
        });
      }),
    );
  }

  /** Destroys every socket counted now; resolves once they have all closed. */
  async destroyAll(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([...this.sockets].map((socket) => this.socketClosed.get(socket)));
  }
}
