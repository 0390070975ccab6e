// The bare baselines of protocol v2, without peerkit: node:net (plaintext), node:tls with peerkit's own
// TLS options (`tlsOptionsFor`: TLS 1.3, a self-signed ed25519 certificate each side, mutual, ALPN
// peerkit/2, no tickets), and the same node:tls inside the private-network gate (`gateClient` /
// `gateServer`, the outer PSK TLS of `--network-key`). Each side keeps one secure context, as a node does.
import { connect as netConnect, createServer as netCreateServer } from "node:net";
import { connect as tlsConnect, createSecureContext, createServer as tlsCreateServer, TLSSocket } from "node:tls";
import { secure } from "./peerkit.mjs";

/** The kinds of bare link. */
export const BARE_KINDS = ["net", "tls", "tls-gated"];

const GATE_TIMEOUT_MS = 10_000;

/** One side's TLS options, with its secure context made once (as `tlsChannel` does). */
export function tlsSide(identity = secure.ephemeralIdentity()) {
  const options = secure.tlsOptionsFor(identity);
  return { ...options, secureContext: createSecureContext(options) };
}

/** The private network of a network key's text (`peerkit network-key`). */
export function networkOf(networkKeyText) {
  return secure.privateNetworkOf(secure.parseNetworkKey(networkKeyText));
}

/**
 * Listens on 127.0.0.1, port 0, and calls `onSocket(socket)` with each accepted connection once it is
 * ready to carry data (after the TLS handshake, and the gate's, if any). Resolves with
 * `{ port, close() }`; a failed handshake is dropped silently (counted in `failures`).
 */
export function listenBare(kind, onSocket, { networkKeyText } = {}) {
  const stats = { failures: 0 };
  let server;
  if (kind === "net") {
    server = netCreateServer((socket) => {
      socket.on("error", () => {});
      onSocket(socket);
    });
  } else if (kind === "tls") {
    server = tlsCreateServer(tlsSide(), (socket) => {
      socket.on("error", () => {});
      onSocket(socket);
    });
    server.on("tlsClientError", () => stats.failures++);
  } else if (kind === "tls-gated") {
    const network = networkOf(networkKeyText);
    const side = tlsSide();
    server = netCreateServer(async (raw) => {
      raw.on("error", () => {});
      try {
        const outer = await secure.gateServer(raw, network, GATE_TIMEOUT_MS);
        const inner = new TLSSocket(outer, { ...side, isServer: true });
        inner.on("error", () => {});
        inner.once("secure", () => onSocket(inner));
      } catch {
        stats.failures++;
      }
    });
  } else throw new Error(`unknown bare kind ${kind}`);
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: server.address().port,
        stats,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    );
  });
}

/**
 * Dials 127.0.0.1:`port` and resolves with the socket once it is ready to carry data. `side`: this end's
 * TLS options (`tlsSide()`), made once by the caller when it dials many times.
 */
export async function dialBare(kind, port, { networkKeyText, network, side } = {}) {
  const raw = netConnect(port, "127.0.0.1");
  raw.on("error", () => {});
  await new Promise((resolve, reject) => raw.once("connect", resolve).once("close", () => reject(new Error("closed while connecting"))));
  raw.setNoDelay(true);
  if (kind === "net") return raw;
  side ??= tlsSide();
  let below = raw;
  if (kind === "tls-gated") below = await secure.gateClient(raw, network ?? networkOf(networkKeyText), GATE_TIMEOUT_MS);
  else if (kind !== "tls") throw new Error(`unknown bare kind ${kind}`);
  const socket = tlsConnect({ ...side, socket: below });
  await new Promise((resolve, reject) => socket.once("secureConnect", resolve).once("error", reject));
  socket.on("error", () => {});
  return socket;
}
