/**
 * The private-network gate (`--network-key FILE`): before anything else, each connection runs an outer
 * TLS 1.3 session authenticated by an external pre-shared key (RFC 8446 §2.2, §4.2.11) derived from the
 * network key, in `psk_dhe_ke` mode (X25519, forward secrecy), without certificates. Node's TLS
 * (OpenSSL) runs it, through `pskCallback`; peerkit's certificate TLS (`tlsOptionsFor`) then runs inside
 * it unchanged. The key never travels: the client proves it with the PSK binder of its ClientHello, the
 * server with its Finished.
 *
 * "No byte to a stranger": the server first runs the client's opening bytes through a probe, a TLSSocket
 * with the same options whose output goes nowhere (a Duplex that keeps it). Only when the probe's first
 * record is a ServerHello that selects the PSK (which OpenSSL sends only once the binder verified) does the
 * real outer TLSSocket start, natively on the TCP socket, from the same buffered bytes; otherwise the TCP
 * connection is closed having carried nothing from the server, not even a TLS alert. The probe costs one
 * more ClientHello processing per admitted connection and keeps the data path native: filtering the
 * server's writes through a JS Duplex under the outer session instead cost about 30% of the handshakes/s
 * and of the throughput on Node 20.20 (JSStreamSocket).
 */
import { constants, hkdfSync } from "node:crypto";
import type { Socket } from "node:net";
import { Duplex } from "node:stream";
import { connect, createSecureContext, type SecureContext, TLSSocket, type TLSSocketOptions, type TlsOptions } from "node:tls";
import { NetworkKeyError, NetworkKeyMismatchError } from "./errors.js";
import { NETWORK_KEY_BYTES } from "./network-key.js";

/** The PSK identity the client sends in its ClientHello: fixed, so it names no network and no node. */
export const NETWORK_PSK_IDENTITY = "peerkit/2 network";
/** The HKDF `info` of the PSK: the network key itself is never used as a TLS key. */
const PSK_INFO = "peerkit/2 network psk";
/**
 * OpenSSL's PSK callbacks give a TLS 1.3 PSK the hash SHA-256, so only the SHA-256 suites can use it
 * (with TLS_AES_256_GCM_SHA384 alone the server finds no PSK suite and fails).
 */
const OUTER_CIPHERS = "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256";
/** TLS record content type of a handshake record, and handshake type of a ServerHello (RFC 8446 §5.1, §4). */
const HANDSHAKE_RECORD = 22;
const SERVER_HELLO = 2;
/** The `pre_shared_key` extension (RFC 8446 §4.2): in a ServerHello, the server selected the PSK. */
const PRE_SHARED_KEY_EXTENSION = 41;
/** The largest plaintext TLS record (RFC 8446 §5.1). */
const MAX_RECORD = 2 ** 14;
/** The most a client may send before the server answers: a peerkit ClientHello is about 300 bytes. */
const MAX_CLIENT_HELLO = 16 * 1024;

/** A private network, as the gate uses it. */
export interface PrivateNetwork {
  /** The TLS pre-shared key: HKDF-SHA256 of the network key (empty salt, info "peerkit/2 network psk"), 32 bytes. */
  readonly psk: Buffer;
}

/**
 * The private network of a network key (the 32 bytes `parseNetworkKey` returns).
 *
 * @throws NetworkKeyError when the key is not 32 bytes.
 */
export function privateNetworkOf(networkKey: Buffer): PrivateNetwork {
  if (networkKey.length !== NETWORK_KEY_BYTES) throw new NetworkKeyError(`it is ${networkKey.length} bytes long instead of ${NETWORK_KEY_BYTES}`);
  const psk = Buffer.from(hkdfSync("sha256", networkKey, Buffer.alloc(0), PSK_INFO, 32));
  return Object.freeze({ psk });
}

/** The outer sessions' TLS context of each network, made once (OpenSSL 3.0 takes about 0.3 ms to make one). */
const contexts = new WeakMap<PrivateNetwork, SecureContext>();

/**
 * The outer session's options, both sides: TLS 1.3 only, SHA-256 suites, X25519 only, no session tickets.
 * The context holds no key (the PSK comes from `pskCallback`) and no session cache (Node's contexts keep
 * none unless a server asks for it).
 */
function outerOptions(network: PrivateNetwork): { secureContext: SecureContext } {
  let secureContext = contexts.get(network);
  if (secureContext === undefined) {
    secureContext = createSecureContext({
      minVersion: "TLSv1.3",
      maxVersion: "TLSv1.3",
      ciphers: OUTER_CIPHERS,
      // One group both ways: a peerkit client's key share always fits, so a HelloRetryRequest never happens
      // between peerkit nodes (the server gate refuses one).
      ecdhCurve: "X25519",
      // No stateless tickets; nothing resumes (see tlsOptionsFor), every connection proves the key afresh.
      secureOptions: constants.SSL_OP_NO_TICKET,
    });
    contexts.set(network, secureContext);
  }
  return { secureContext };
}

/**
 * Client side of the gate: runs the outer PSK handshake on a connected socket and resolves with the outer
 * TLSSocket, over which the caller runs the certificate TLS (`tls.connect({ ...tlsOptionsFor(identity),
 * socket: outer })`). The result already has an `error` listener (which only closes the connection), so
 * an error before the caller adds its own cannot go unhandled.
 *
 * @rejects NetworkKeyMismatchError (having destroyed the socket) when the server does not complete the
 *   handshake within `timeoutMs` (a server of another network answers nothing and closes), or completes
 *   one that is not a PSK handshake with X25519.
 */
export function gateClient(socket: Socket, network: PrivateNetwork, timeoutMs: number): Promise<TLSSocket> {
  const outer = connect({
    ...outerOptions(network),
    socket,
    pskCallback: () => ({ psk: network.psk, identity: NETWORK_PSK_IDENTITY }),
    // The server has no certificate; the PSK authenticates it (checked in checkClientSession).
    checkServerIdentity: () => undefined,
  });
  return handshake(outer, socket, "secureConnect", timeoutMs, () => checkClientSession(outer));
}

/**
 * Server side of the gate: runs the outer PSK handshake on an accepted socket and resolves with the outer
 * TLSSocket, over which the caller runs the certificate TLS (`new tls.TLSSocket(outer, { isServer: true,
 * ...})`). Nothing is written to the socket unless the client proved the network key. The result already
 * has an `error` listener, as in `gateClient`. The socket must not have been read from, nor have a `data` listener.
 *
 * @rejects NetworkKeyMismatchError (having destroyed the socket and written nothing to it) when the client
 *   does not prove the network key within `timeoutMs`.
 */
export async function gateServer(socket: Socket, network: PrivateNetwork, timeoutMs: number): Promise<TLSSocket> {
  const deadline = Date.now() + timeoutMs;
  await probeClientHello(socket, network, timeoutMs);
  const outer = new TLSSocket(socket, serverOptions(network));
  return handshake(outer, socket, "secure", Math.max(1, deadline - Date.now()), () => {
    if (outer.getProtocol() !== "TLSv1.3") throw new Error(`the session negotiated ${outer.getProtocol() ?? "no TLS version"}`);
  });
}

/** The outer server's TLSSocket options: the PSK of `network`, under the fixed identity only. */
function serverOptions(network: PrivateNetwork): TLSSocketOptions {
  const options: TlsOptions = {
    ...outerOptions(network),
    pskCallback: (_socket, identity) => (identity === NETWORK_PSK_IDENTITY ? network.psk : null),
  };
  // @types/node 20 leaves pskCallback out of TLSSocketOptions, but a server TLSSocket honours it as tls.Server does.
  return { ...options, isServer: true } as TLSSocketOptions;
}

/**
 * Reads the client's opening bytes from `socket` into a probe TLSSocket whose output is kept, not sent.
 * Resolves, with the socket paused and every byte read pushed back (`unshift`), once the probe's first record
 * is a ServerHello that selects the PSK; otherwise destroys the socket and rejects.
 */
function probeClientHello(socket: Socket, network: PrivateNetwork, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const received: Buffer[] = [];
    let receivedBytes = 0;
    let answer = Buffer.alloc(0);
    let probeFailed = false;
    let settled = false;
    const sink = new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _encoding, callback) => {
        answer = Buffer.concat([answer, chunk]);
        callback();
        judge();
      },
    });
    const probe = new TLSSocket(sink, serverOptions(network));
    const timer = setTimeout(() => fail(`it did not complete the network handshake within ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer): void => {
      received.push(chunk);
      receivedBytes += chunk.length;
      if (receivedBytes > MAX_CLIENT_HELLO) fail(`it sent more than ${MAX_CLIENT_HELLO} bytes without proving the network key`);
      else sink.push(chunk);
    };
    const onEnd = (): void => fail("the connection closed during the network handshake");
    const onError = (error: Error): void => fail(`the connection failed during the network handshake (${error.message})`, error);
    const onProbeError = (error: Error): void => {
      probeFailed = true;
      judge(error);
    };
    socket.on("data", onData).on("end", onEnd).on("close", onEnd).on("error", onError);
    probe.on("error", onProbeError);

    function judge(cause?: unknown): void {
      if (settled) return;
      const verdict = serverHelloSelectsPsk(answer);
      if (verdict === undefined && !probeFailed) return;
      if (verdict !== true) {
        fail("its ClientHello does not prove the network key", cause);
        return;
      }
      stop();
      socket.pause();
      socket.unshift(Buffer.concat(received));
      resolve();
    }
    function stop(): void {
      settled = true;
      clearTimeout(timer);
      socket.off("data", onData).off("end", onEnd).off("close", onEnd).off("error", onError);
      probe.destroy();
      sink.destroy();
    }
    function fail(reason: string, cause?: unknown): void {
      if (settled) return;
      stop();
      socket.destroy();
      reject(new NetworkKeyMismatchError(reason, { cause }));
    }
  });
}

/** Waits for the outer handshake: resolves with `outer` when `event` fired and `check` passed; else destroys both sockets and rejects. */
function handshake(outer: TLSSocket, socket: Socket, event: "secure" | "secureConnect", timeoutMs: number, check: () => void): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`it did not complete the network handshake within ${timeoutMs} ms`), timeoutMs);
    const onError = (error: Error) => fail(`the network handshake failed (${error.message.trim()})`, error);
    const onClose = () => fail("the connection closed during the network handshake");
    const onSecure = () => {
      try {
        check();
      } catch (error) {
        fail(error instanceof Error ? error.message : String(error), error);
        return;
      }
      cleanUp();
      resolve(outer);
    };
    function cleanUp(): void {
      clearTimeout(timer);
      outer.off(event, onSecure).off("error", onError).off("close", onClose);
    }
    function fail(reason: string, cause?: unknown): void {
      cleanUp();
      // The wrapper first: on Node 20, destroying a socket and then, at once, a TLSSocket that wraps its handle crashes the process.
      outer.destroy();
      socket.destroy();
      reject(new NetworkKeyMismatchError(reason, { cause }));
    }
    outer.once(event, onSecure).on("error", onError).once("close", onClose);
    // Kept for the socket's life: an error destroys the outer socket (and the TCP socket under it) anyway, and the
    // caller watches the socket it runs inside; this only keeps an error from going unhandled in between.
    outer.on("error", () => undefined);
  });
}

/** The client's outer session must be a TLS 1.3 PSK session with an ephemeral X25519 exchange (psk_dhe_ke). */
function checkClientSession(outer: TLSSocket): void {
  if (outer.getProtocol() !== "TLSv1.3") throw new Error(`the session negotiated ${outer.getProtocol() ?? "no TLS version"}`);
  if (outer.getPeerX509Certificate() !== undefined) throw new Error("the server authenticated with a certificate instead of the network key");
  const exchange = outer.getEphemeralKeyInfo();
  if (exchange === null || !("name" in exchange) || exchange.name !== "X25519") throw new Error("the session has no ephemeral X25519 key exchange (no forward secrecy)");
}

/**
 * Whether the server's first TLS record (at the start of `bytes`) is a ServerHello carrying the
 * `pre_shared_key` extension, i.e. OpenSSL selected the client's PSK; undefined while the record is
 * incomplete. A HelloRetryRequest carries no such extension (RFC 8446 §4.1.4), so it is refused too.
 */
export function serverHelloSelectsPsk(bytes: Buffer): boolean | undefined {
  if (bytes.length < 5) return bytes.length === 0 || bytes[0] === HANDSHAKE_RECORD ? undefined : false;
  if (bytes[0] !== HANDSHAKE_RECORD) return false;
  const length = bytes.readUInt16BE(3);
  if (length > MAX_RECORD) return false;
  if (bytes.length < 5 + length) return undefined;
  const record = bytes.subarray(5, 5 + length);
  // Handshake header: type (1), length (3); OpenSSL never splits a ServerHello over records.
  if (record.length < 4 || record[0] !== SERVER_HELLO) return false;
  const end = 4 + record.readUIntBE(1, 3);
  if (end > record.length) return false;
  // legacy_version (2), random (32), legacy_session_id (1 + n), cipher_suite (2), legacy_compression_method (1).
  let at = 4 + 2 + 32;
  if (at >= end) return false;
  at += 1 + (record[at] ?? 0) + 2 + 1;
  if (at + 2 > end) return false;
  const extensionsEnd = at + 2 + record.readUInt16BE(at);
  if (extensionsEnd > end) return false;
  at += 2;
  while (at + 4 <= extensionsEnd) {
    if (record.readUInt16BE(at) === PRE_SHARED_KEY_EXTENSION) return true;
    at += 4 + record.readUInt16BE(at + 2);
  }
  return false;
}
