/**
 * A legacy peer seen as one long-lived `Connection`. The original Python peers open a connection per
 * message; a `LegacyLink` hides that: the kernel binds it to the peer like any connection, `send`
 * opens a new TCP connection to the peer's listening address for each message, and the messages the
 * peer sends us (each on its own connection) are delivered on the link by the `LegacyRouter`.
 */
import { connect, type Socket } from "node:net";
import type { Envelope } from "../kernel/envelope.js";
import { BaseConnection, type ConnectionOptions } from "./base-connection.js";
import { encodeLegacy } from "./legacy-codec.js";

/** What a link needs besides the common connection options. */
export interface LegacyLinkOptions extends ConnectionOptions {
  /** Registers a socket with the transport, so that closing the transport closes it too. */
  track(socket: Socket): void;
}

/** A virtual connection to one legacy peer at its listening address (`remote`). */
export class LegacyLink extends BaseConnection {
  override readonly dialect = "legacy";
  private readonly track: (socket: Socket) => void;
  private inFlight = 0;

  constructor(options: LegacyLinkOptions) {
    super(options);
    this.track = options.track;
  }

  /** Encodes the envelope for the legacy peer and sends each resulting message on a connection of its own. */
  send(envelope: Envelope): boolean {
    if (this.closed) return false;
    const encoded = encodeLegacy(envelope);
    if (!encoded.ok) {
      if (encoded.tooLarge) {
        this.logger.warn("refused to send a message too large for a legacy peer (ERR_LEGACY_FRAME_TOO_LARGE)", {
          ...this.logFields(),
          reason: encoded.reason,
        });
      } else {
        this.logger.debug("not sent to a legacy peer", { ...this.logFields(), reason: encoded.reason });
      }
      return false;
    }
    if (this.inFlight * 2048 > this.limits.maxQueuedBytes) {
      this.dropped += 1;
      return false;
    }
    for (const message of encoded.messages) this.deliver(message);
    this.framesOut += 1;
    return true;
  }

  /** Delivers a legacy message that arrived for this link (on a connection of its own). */
  receive(envelope: Envelope): void {
    if (this.closed) return;
    this.framesIn += 1;
    this.deliverFrame(envelope);
  }

  close(reason = "closed locally"): void {
    if (!this.markClosed(reason)) return;
    this.notifyDisconnect(reason);
  }

  protected override queuedBytes(): number {
    return this.inFlight * 2048;
  }

  private deliver(message: string): void {
    const socket = connect({ host: this.remote.host, port: this.remote.port });
    this.track(socket);
    this.inFlight += 1;
    socket.setNoDelay(true);
    socket.on("connect", () => socket.end(message));
    socket.on("data", () => {});
    socket.on("close", () => {
      this.inFlight -= 1;
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      const cause = error.code ?? error.message;
      this.logger.debug("legacy peer unreachable", { ...this.logFields(), error: cause });
      // A legacy peer is only reachable by connecting: refused means it is gone.
      this.close(`legacy peer unreachable: ${cause}`);
    });
  }
}
