/**
 * The accepting side of protocol v2's secure channel on a TCP listener: each inbound socket first shows
 * its first bytes (TLS, or a plaintext peer), then runs the channel's handshake within one deadline
 * (`handshakeTimeoutMs`) and the handshake budget (`HandshakeSlots`), before the kernel sees it.
 */
import type { Socket } from "node:net";
import { errorMessage } from "../base/error-message.js";
import type { ThrottledWarning } from "../base/throttled-warning.js";
import { sourceKeyOf } from "../base/network-address.js";
import { HandshakeSlots, type HandshakeLimits } from "./handshake-slots.js";
import { SourceRateLimiter } from "./source-rate-limiter.js";
import { addressOf, firstChunk, looksLikeTls, PLAINTEXT_PEER_REFUSED, secureHandshake, type SecureChannel } from "./secure-channel.js";
import type { Address } from "./transport.js";

/** How many secure handshakes one source may make this node run. */
export interface HandshakeRate {
  /** Secure handshakes started per second from one source (an IPv4 address, an IPv6 /64), sustained. */
  handshakesPerSecondPerSource: number;
  /** Secure handshakes one source may start in a burst above `handshakesPerSecondPerSource`. */
  handshakeBurstPerSource: number;
}

/** How a `TcpTransport` secures its connections. */
export interface SecureTransportOptions extends HandshakeLimits, HandshakeRate {
  channel: SecureChannel;
  /** How long a handshake may take before its socket is closed, in milliseconds. */
  handshakeTimeoutMs: number;
  /**
   * Whether inbound plaintext connections may still deliver one-shot messages (to the handler of
   * `handleOneShotMessages`, when there is one): false behind a network key, where a socket that does
   * not prove the key gets nothing.
   */
  plaintextOneShots: boolean;
}


/** Where an accepted socket goes once its first bytes and handshake told what it is. */
export interface AcceptCallbacks {
  /** True once the transport is closing: a socket secured then is closed. */
  closing(): boolean;
  /** Whether a plaintext socket may still deliver a one-shot message (a dialect takes them). */
  takesPlaintext(): boolean;
  /** The peer proved its key: `secured` is the socket to use. */
  secured(secured: Socket, peerId: string, remote: Address): void;
  /** A plaintext socket kept for one one-shot message (its first bytes put back). */
  plaintext(): void;
}

/**
 * Runs the server side of the secure handshake on each accepted socket, within the handshake budget and
 * the handshake rate of its source.
 */
export class SecureAcceptor {
  private readonly slots: HandshakeSlots;
  private readonly rate: SourceRateLimiter;

  constructor(
    private readonly options: SecureTransportOptions,
    /** The throttled line for refused sockets: a peer can cause it at will. */
    private readonly refusals: ThrottledWarning,
    /**
     * The throttled line for sources over their handshake rate: a line of its own, so that a failed
     * handshake logged just before (which a peer can cause at will) cannot hide it.
     */
    private readonly rateRefusals: ThrottledWarning,
  ) {
    this.slots = new HandshakeSlots(options);
    this.rate = new SourceRateLimiter(options.handshakesPerSecondPerSource, options.handshakeBurstPerSource);
  }

  /** Handshakes in progress. */
  get inProgress(): number {
    return this.slots.size;
  }

  /** Takes an accepted socket (counted by the transport already) through to `callbacks`, or closes it. */
  accept(socket: Socket, callbacks: AcceptCallbacks): void {
    const host = socket.remoteAddress ?? "unknown";
    const remote = `${host}:${socket.remotePort}`;
    socket.on("error", () => {});
    for (const victim of this.slots.admit(socket, host)) {
      this.slots.release(victim, victim.remoteAddress ?? "unknown");
      victim.destroy();
    }
    const failed = (error: unknown): void => {
      this.slots.release(socket, host);
      if (!callbacks.closing()) this.refusals.warn({ remote, reason: errorMessage(error) });
    };
    // One deadline for the first bytes and the handshake together.
    const deadline = Date.now() + this.options.handshakeTimeoutMs;
    firstChunk(socket, this.options.handshakeTimeoutMs).then((chunk) => {
      if (!looksLikeTls(chunk)) {
        this.slots.release(socket, host);
        this.acceptPlaintext(socket, chunk, remote, callbacks);
        return;
      }
      const source = sourceKeyOf(host);
      if (!this.admitHandshake(source, remote)) {
        this.slots.release(socket, host);
        socket.destroy();
        return;
      }
      // Charged once it ended, and only if the node answered: TLS 1.3 computes its whole first flight
      // (key exchange, signature) before a byte of it leaves. A handshake that stalled before that point,
      // or a probe the network-key gate dropped unanswered, cost the node next to nothing: not charged.
      const charge = (): void => {
        if (socket.bytesWritten > 0) this.rate.charge(source);
      };
      socket.unshift(chunk);
      secureHandshake(this.options.channel, socket, "server", Math.max(1, deadline - Date.now())).then(
        ({ socket: secured, peerId }) => {
          charge();
          this.slots.release(socket, host);
          if (callbacks.closing()) secured.destroy();
          else callbacks.secured(secured, peerId, addressOf(socket));
        },
        (error: unknown) => {
          charge();
          failed(error);
        },
      );
    }, failed);
  }

  /**
   * Whether the source of a TLS ClientHello may have its handshake run now. A handshake costs this node
   * about a millisecond of CPU (a key exchange, a signature, a certificate check), and finishing one
   * costs the peer no more: without a rate, one address could keep a core busy. Past its rate a
   * source's sockets are closed before the node sends a byte; the first refusal of each run is logged.
   */
  private admitHandshake(source: string, remote: string): boolean {
    const verdict = this.rate.check(source);
    if (verdict === "admitted") return true;
    if (verdict === "started-limiting") {
      const { handshakesPerSecondPerSource: rate, handshakeBurstPerSource: burst } = this.options;
      this.rateRefusals.warn({
        remote,
        reason: `over the handshake rate of its source (${rate} per second, burst ${burst}: limits.handshakesPerSecondPerAddress, limits.handshakeBurstPerAddress); its TLS connections are closed unanswered until it slows down`,
      });
    }
    return false;
  }

  /**
   * A socket whose first bytes are not TLS. The one-shot messages of a dialect that has them (the legacy
   * plugin's original peers, plaintext by nature) are still taken, unless a network key forbids it:
   * the connection may carry one unterminated message and nothing else. Anything else is refused, with
   * the line that tells a plaintext (`--insecure`) peerkit node why.
   */
  private acceptPlaintext(socket: Socket, chunk: Buffer, remote: string, callbacks: AcceptCallbacks): void {
    if (!this.options.plaintextOneShots || !callbacks.takesPlaintext()) {
      this.refusals.warn({ remote, reason: PLAINTEXT_PEER_REFUSED });
      socket.destroy();
      return;
    }
    socket.unshift(chunk);
    callbacks.plaintext();
  }
}
