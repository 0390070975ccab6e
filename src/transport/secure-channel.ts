/**
 * The contract of a secure channel under the TCP transport (protocol v2): what turns a connected TCP
 * socket into an authenticated, encrypted one, and tells whose key the far end proved. The transport
 * knows only this contract; the composition root (`src/node`) builds the implementation from
 * `src/secure` (TLS 1.3 with the node's identity, optionally behind a network-key gate) and hands it in.
 */
import type { Socket } from "node:net";
import type { Address } from "./transport.js";

/** A socket after a completed secure handshake. */
export interface SecuredSocket {
  /** What to read and write from now on (a `TLSSocket` is a `Socket`). */
  socket: Socket;
  /** The peer id derived from the key the far end proved in the handshake: never a claim. */
  peerId: string;
}

/**
 * Runs the handshake of a secure channel on a socket. Each function resolves once the far end proved
 * its key, or rejects after destroying the socket, with an error whose message is one line for the
 * log naming the likely cause and its fix. The transport bounds
 * the time either may take.
 */
export interface SecureChannel {
  /** The dialling side, on a socket that has just connected. */
  client(socket: Socket): Promise<SecuredSocket>;
  /** The accepting side, on a socket the listener has just accepted (nothing read from it yet). */
  server(socket: Socket): Promise<SecuredSocket>;
}

/** Why a secure node refuses a plaintext peerkit node: the one line its log shows. */
export const PLAINTEXT_PEER_REFUSED =
  "the peer speaks plaintext protocol v1 (it runs --insecure) and this node is secure (protocol v2): refused; run both secure, or both with --insecure";

/** Why a plaintext node refuses a secure one: the one line its log shows. */
export const TLS_PEER_REFUSED =
  "the peer speaks TLS (a secure node, protocol v2) and this node runs --insecure (protocol v1): refused; run both secure, or both with --insecure";

/** The first byte of a TLS record carrying a handshake message or an alert (RFC 8446 §5.1). */
const TLS_RECORD_TYPES = new Set([0x15, 0x16]);

/** Whether the first bytes a peer sent look like a TLS record: a secure node talking to a plaintext one. */
export function looksLikeTls(chunk: Buffer): boolean {
  return chunk.length > 0 && TLS_RECORD_TYPES.has(chunk[0]!);
}

/**
 * Runs one side of a channel's handshake on `socket`, bounded by `timeoutMs`: past it the socket is
 * destroyed and the promise rejects naming the limit.
 */
export function secureHandshake(channel: SecureChannel, socket: Socket, side: "client" | "server", timeoutMs: number): Promise<SecuredSocket> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      socket.destroy();
      reject(new Error(`no secure handshake within ${timeoutMs} ms (limits.handshakeMs)`));
    }, timeoutMs);
    (side === "client" ? channel.client(socket) : channel.server(socket)).then(
      (secured) => {
        clearTimeout(timer);
        if (done) {
          secured.socket.destroy();
          return;
        }
        done = true;
        resolve(secured);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (done) return;
        done = true;
        socket.destroy();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * The first bytes an accepted socket sends (read off it: `unshift` them back to hand the socket on).
 * Rejects, having destroyed the socket, when it closes first or sends nothing within `timeoutMs`.
 */
export function firstChunk(socket: Socket, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const onReadable = (): void => {
      const chunk = socket.read() as Buffer | null;
      if (chunk === null) return;
      cleanup();
      resolve(chunk);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error("the peer closed the connection before it sent anything"));
    };
    const timer = setTimeout(() => {
      cleanup();
      socket.destroy();
      reject(new Error(`the peer sent nothing within ${timeoutMs} ms (limits.handshakeMs)`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off("readable", onReadable);
      socket.off("close", onClose);
    };
    socket.on("readable", onReadable);
    socket.once("close", onClose);
  });
}

/** A socket's far end, read while it is connected (a socket layered on another stream has no address of its own). */
export function addressOf(socket: Socket): Address {
  return { host: socket.remoteAddress ?? "unknown", port: socket.remotePort ?? 0 };
}
