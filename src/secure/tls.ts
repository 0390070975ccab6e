/**
 * The pieces of a protocol-v2 connection over Node's TLS 1.3 (`node:tls`): the options each side
 * passes, and the check that turns the certificate a peer proved into its peer id.
 *
 * Both sides present a self-signed ed25519 certificate of their identity key and ask for the other's
 * (`requestCert`). Chain validation is off (`rejectUnauthorized: false`: there is no CA); instead, once
 * the handshake is done, `peerIdOfTlsSocket` checks that the peer presented an ed25519 certificate and
 * derives the id from its key. The TLS 1.3 handshake itself (CertificateVerify) proves that the peer
 * holds the private key; the certificate's names, dates and self-signature are never trusted nor checked.
 */
import { constants, type X509Certificate } from "node:crypto";
import type { SecureContextOptions, TLSSocket } from "node:tls";
import { selfSignedCertificate } from "./certificate.js";
import { PeerAuthenticationError } from "./errors.js";
import type { Identity } from "./identity.js";
import { peerIdOf } from "./peer-id.js";

/** The ALPN protocol id of peerkit's protocol v2. */
export const ALPN_PROTOCOL = "peerkit/2";

/** Options valid for both `tls.createServer` and `tls.connect`. */
export interface PeerkitTlsOptions extends SecureContextOptions {
  readonly key: string;
  readonly cert: string;
  readonly minVersion: "TLSv1.3";
  readonly maxVersion: "TLSv1.3";
  readonly ALPNProtocols: string[];
  readonly sigalgs: "ed25519";
  readonly requestCert: true;
  readonly rejectUnauthorized: false;
  readonly secureOptions: number;
  /** Client side: the server's name is not checked (there is none to check); the key is, after the handshake. */
  readonly checkServerIdentity: () => undefined;
}

/**
 * The TLS options of a node with this identity, for `tls.createServer(options)` and
 * `tls.connect({ ...options, host, port })` alike: TLS 1.3 only, the identity's key and a fresh
 * self-signed certificate, mutual certificates requested, ed25519 the only signature scheme, ALPN
 * `peerkit/2`, no resumable sessions. In `secureConnect` (client) or `secureConnection` (server) call
 * `peerIdOfTlsSocket` once, keep the id, and destroy the socket if it throws: until then nothing is
 * known of the peer. Call it there and not later: on Node 20 / OpenSSL 3.0 the client's peer
 * certificate is gone once the server's (useless, see below) session tickets have arrived.
 *
 * Sessions: `SSL_OP_NO_TICKET` stops stateless tickets; OpenSSL's TLS 1.3 then still sends two
 * stateful tickets per connection, which Node's server cannot resume (it keeps no session cache
 * unless a `newSession` listener is added: never add one). `peerIdOfTlsSocket` refuses a resumed
 * session anyway.
 */
export function tlsOptionsFor(identity: Identity): PeerkitTlsOptions {
  const { pem } = selfSignedCertificate(identity);
  return {
    key: identity.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    cert: pem,
    minVersion: "TLSv1.3",
    maxVersion: "TLSv1.3",
    ALPNProtocols: [ALPN_PROTOCOL],
    // The only signature scheme offered and accepted (CertificateVerify, both ways): a peer whose key is
    // not ed25519 fails the handshake itself. The key exchange stays OpenSSL's default (X25519 first).
    sigalgs: "ed25519",
    requestCert: true,
    rejectUnauthorized: false,
    // No session tickets: every connection is a full handshake that proves the key again.
    secureOptions: constants.SSL_OP_NO_TICKET,
    checkServerIdentity: () => undefined,
  };
}

/**
 * The peer id a TLS socket's peer proved, once its handshake is complete (call it in the
 * `secureConnect` / `secureConnection` handler; see `tlsOptionsFor`).
 *
 * @throws PeerAuthenticationError when the handshake did not negotiate TLS 1.3 and ALPN `peerkit/2`,
 *   the session was resumed, or the peer presented no certificate or a non-ed25519 one.
 *
 * The certificate's self-signature is not checked (it was, until the handshake benchmark showed it cost
 * ~90 µs per end, 6 % of a connection): it proves nothing the handshake has not. In TLS 1.3 the peer's
 * CertificateVerify is a signature, by the private key of the certificate's public key, over the
 * transcript of this very handshake (RFC 8446 §4.4.3); OpenSSL checks it against that key whatever the
 * verify mode, and fails the handshake if it does not verify. So once the handshake is done the peer
 * holds the key the id is derived from. The self-signature would only show that the key's holder signed
 * the certificate's names and dates, which nothing reads; a forged or broken one can only come from the
 * key's holder itself, which proved the key anyway.
 */
export function peerIdOfTlsSocket(socket: TLSSocket): string {
  if (socket.getProtocol() !== "TLSv1.3") throw new PeerAuthenticationError(`the connection negotiated ${socket.getProtocol() ?? "no TLS version"}, not TLSv1.3`);
  if (socket.alpnProtocol !== ALPN_PROTOCOL) throw new PeerAuthenticationError(`the peer did not agree on the ALPN protocol "${ALPN_PROTOCOL}"`);
  if (socket.isSessionReused()) throw new PeerAuthenticationError("the TLS session was resumed; peerkit requires a full handshake");
  const certificate: X509Certificate | undefined = socket.getPeerX509Certificate();
  if (certificate === undefined) throw new PeerAuthenticationError("it presented no certificate");
  const key = certificate.publicKey;
  if (key.asymmetricKeyType !== "ed25519") throw new PeerAuthenticationError(`its certificate holds a ${key.asymmetricKeyType ?? "unknown"} key, not an ed25519 key`);
  return peerIdOf(key);
}
