/** Refusing, on a `TcpConnection`, a peer that speaks the other protocol (secure or plaintext). */
import type { LogFields, Logger } from "../base/logger.js";
import type { ThrottledWarning } from "../base/throttled-warning.js";
import { looksLikeTls, PLAINTEXT_PEER_REFUSED, TLS_PEER_REFUSED } from "./secure-channel.js";
import type { Connection } from "./transport.js";

/** What a `PeerProtocolCheck` is built from, besides its connection. */
export interface PeerProtocolCheckOptions {
  /** The throttled warning for inbound peers refused for the protocol they speak. */
  refusals: ThrottledWarning | undefined;
  /** The connection may deliver only one unterminated message: a complete NDJSON frame refuses its peer. */
  oneShotOnly: boolean;
  logger: Logger;
  /** The fields every log line about the connection carries. */
  logFields: () => LogFields;
  /** Closes the connection at once, for this reason. */
  destroy: (reason: string) => void;
}

/**
 * Tells, from what a connection reads, that its peer speaks the other protocol, and refuses it with the
 * line that says why: a secure node (protocol v2) that speaks TLS to a plaintext connection (its first
 * bytes), or a plaintext peer that sends a complete NDJSON frame to a secure node's `oneShotOnly`
 * connection. An inbound peer can repeat this at will: its line goes to the throttled `refusals`.
 */
export class PeerProtocolCheck {
  /** True until the first bytes arrive: those tell a secure (TLS) peer from a plaintext one. */
  private firstChunk = true;

  constructor(
    private readonly connection: Pick<Connection, "direction" | "provenPeerId">,
    private readonly options: PeerProtocolCheckOptions,
  ) {}

  /** Refuses a secure peer by the first bytes it sends to a plaintext connection; true if it did. */
  refusesFirstChunk(chunk: Buffer): boolean {
    if (!this.firstChunk) return false;
    this.firstChunk = false;
    if (this.connection.provenPeerId !== undefined || !looksLikeTls(chunk)) return false;
    this.refuse(TLS_PEER_REFUSED);
    return true;
  }

  /** Refuses a peer that sent `frames` complete frames to a `oneShotOnly` connection; true if it did. */
  refusesFrames(frames: number): boolean {
    if (!this.options.oneShotOnly || frames === 0) return false;
    this.refuse(PLAINTEXT_PEER_REFUSED);
    return true;
  }

  /** Closes a connection whose peer speaks the other protocol, with the line that says why. */
  private refuse(reason: string): void {
    const { refusals, logger, logFields, destroy } = this.options;
    // An inbound peer can repeat this at will: its line is throttled; our own dial's is always written.
    if (this.connection.direction === "inbound" && refusals) refusals.warn({ ...logFields(), reason });
    else logger.warn("refused a connection", { ...logFields(), reason });
    destroy(reason);
  }
}
