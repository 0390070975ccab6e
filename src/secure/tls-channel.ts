/**
 * Protocol v2's secure channel: TLS 1.3 from `node:tls` on each TCP connection, both sides presenting a
 * self-signed certificate of their identity key (`tlsOptionsFor`), the peer id taken from the key the
 * far end proved (`peerIdOfTlsSocket`). It implements the transport's `SecureChannel` contract
 * structurally (this room imports only `src/base`); the composition root hands it to the transport.
 */
import type { Socket } from "node:net";
import { connect, createSecureContext, TLSSocket } from "node:tls";
import { errorMessage } from "../base/error-message.js";
import type { Identity } from "./identity.js";
import { ALPN_PROTOCOL, peerIdOfTlsSocket, tlsOptionsFor } from "./tls.js";
import { PeerAuthenticationError } from "./errors.js";
import { usableIdCheck, type UsableIdCheck } from "./usable-ids.js";

/** A socket after the handshake, and the id its peer proved. */
export interface TlsSecuredSocket {
  socket: Socket;
  peerId: string;
}

/** The failure of one handshake, with the one line the log shows. */
export class TlsHandshakeError extends Error {
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = "TlsHandshakeError";
  }
}

/** Wraps a raw socket in a protocol-v2 session; `server` is false on the dialling side. */
export type SocketGate = (socket: Socket, server: boolean) => Promise<Socket>;

/** Options of `tlsChannel`. */
export interface TlsChannelOptions {
  /**
   * Runs before TLS on each raw socket and yields the socket TLS runs over: the private network's
   * gate (`--network-key`). Without it, TLS runs on the TCP socket itself.
   */
  gate?: SocketGate;
  /** Whether a proven id names a usable key (shared with the node's signature checks); default a check of its own. */
  isUsableId?: UsableIdCheck;
}

/**
 * The TLS 1.3 channel of a node with this identity. One secure context serves every connection (its
 * certificate is made once, here).
 */
export function tlsChannel(identity: Identity, options: TlsChannelOptions = {}): {
  client(socket: Socket): Promise<TlsSecuredSocket>;
  server(socket: Socket): Promise<TlsSecuredSocket>;
} {
  const tlsOptions = tlsOptionsFor(identity);
  const isUsableId = options.isUsableId ?? usableIdCheck();
  const context = createSecureContext(tlsOptions);
  const gate = options.gate;
  return {
    async client(raw) {
      const carrier = gate ? await gated(gate, raw, false) : raw;
      return handshake(
        connect({
          socket: carrier,
          secureContext: context,
          ALPNProtocols: [ALPN_PROTOCOL],
          rejectUnauthorized: false,
          checkServerIdentity: () => undefined,
        }),
        raw,
        "client",
        isUsableId,
      );
    },
    async server(raw) {
      const carrier = gate ? await gated(gate, raw, true) : raw;
      return handshake(
        new TLSSocket(carrier, {
          isServer: true,
          secureContext: context,
          requestCert: true,
          rejectUnauthorized: false,
          ALPNProtocols: [ALPN_PROTOCOL],
        }),
        raw,
        "server",
        isUsableId,
      );
    },
  };
}

async function gated(gate: SocketGate, raw: Socket, server: boolean): Promise<Socket> {
  try {
    return await gate(raw, server);
  } catch (error) {
    if (!raw.destroyed) raw.destroy();
    throw error instanceof TlsHandshakeError ? error : new TlsHandshakeError(errorMessage(error), { cause: error });
  }
}

/** Resolves with the proven id once the TLS handshake is done; rejects (socket destroyed) otherwise. */
function handshake(socket: TLSSocket, raw: Socket, side: "client" | "server", isUsableId: (peerId: string) => boolean): Promise<TlsSecuredSocket> {
  return new Promise((resolve, reject) => {
    const fail = (reason: string, cause?: unknown): void => {
      cleanup();
      closeOutermost(socket, raw);
      reject(new TlsHandshakeError(reason, { cause }));
    };
    const onSecure = (): void => {
      cleanup();
      try {
        // Only now: the client's view of the peer certificate is gone once session tickets arrive.
        const peerId = peerIdOfTlsSocket(socket);
        // Node 20: a server-side TLSSocket made outside a tls.Server never releases control to its
        // caller, so a TLS error after the handshake (a record that fails authentication) is emitted
        // only as the internal `_tlsError`, never as `error`, and the socket stays open. Close it then.
        if (side === "server") socket.on("_tlsError", (error: Error) => socket.destroy(error));
        if (!isUsableId(peerId)) {
          throw new PeerAuthenticationError("its key is of small order or not canonical: a signature under it proves nothing");
        }
        resolve({ socket, peerId });
      } catch (error) {
        closeOutermost(socket, raw);
        reject(new TlsHandshakeError(`the peer's TLS identity was refused: ${errorMessage(error)}`, { cause: error }));
      }
    };
    const onError = (error: NodeJS.ErrnoException): void => fail(describeTlsFailure(error, side), error);
    const onClose = (): void => fail(side === "client" ? closedDuringHandshake : "the peer closed the connection during the TLS handshake");
    const secureEvent = side === "client" ? "secureConnect" : "secure";
    const cleanup = (): void => {
      socket.off(secureEvent, onSecure);
      socket.off("error", onError);
      socket.off("close", onClose);
    };
    socket.once(secureEvent, onSecure);
    socket.once("error", onError);
    socket.once("close", onClose);
  });
}

/**
 * Destroys the outermost socket only, and only while the TCP socket under it is open: it takes the
 * sockets below it down. On Node 20, destroying a socket and then a TLS socket layered on it can crash
 * the process, so a layer below is never destroyed first.
 */
function closeOutermost(outermost: Socket, raw: Socket): void {
  if (!raw.destroyed && !outermost.destroyed) outermost.destroy();
}

const closedDuringHandshake =
  "the peer closed the connection during the TLS handshake: it may run --insecure (protocol v1), hold another --network-key, or refuse this node";

/** One line for a TLS error, naming the likely cause when OpenSSL's code tells it. */
function describeTlsFailure(error: NodeJS.ErrnoException, side: "client" | "server"): string {
  const code = error.code ?? "";
  if (side === "client" && (code === "ERR_SSL_WRONG_VERSION_NUMBER" || code === "ERR_SSL_PACKET_LENGTH_TOO_LONG")) {
    return "the peer does not speak TLS: it runs --insecure (protocol v1) or is not a peerkit node, and this node is secure (protocol v2); run both secure, or both with --insecure";
  }
  if (code === "ECONNRESET" || code === "EPIPE") return closedDuringHandshake;
  return `TLS handshake failed: ${error.message.split("\n")[0]}${code ? ` (${code})` : ""}`;
}
