/**
 * The self-signed X.509 v3 certificate a node presents in TLS: its key is the identity key, its
 * signature is the identity key's (id-Ed25519, RFC 8410), and its subject and issuer name the peer id.
 * Peers never trust the certificate's names or dates: the peer id is derived from the key the TLS
 * handshake proved (see `peerIdOfTlsSocket`).
 */
import { randomBytes, sign } from "node:crypto";
import { bitString, explicit, integer, oid, sequence, set, time, utf8String } from "./der.js";
import type { Identity } from "./identity.js";

/** id-Ed25519 (RFC 8410), the signature algorithm and key type of the certificate. */
const ID_ED25519 = "1.3.101.112";
/** id-at-commonName. */
const ID_COMMON_NAME = "2.5.4.3";
/** RFC 5280 §4.1.2.5: "no well-defined expiration date". */
const NO_EXPIRY = new Date(Date.UTC(9999, 11, 31, 23, 59, 59));
/** notBefore is this far in the past, so a peer whose clock is a little behind does not see a future certificate. */
const BACKDATE_MS = 60 * 60 * 1000;

/** A certificate in both encodings. */
export interface SelfSignedCertificate {
  /** DER bytes. */
  readonly der: Buffer;
  /** PEM text (`-----BEGIN CERTIFICATE-----`), as `tls.createSecureContext({ cert })` takes it. */
  readonly pem: string;
}

/**
 * Builds a new self-signed certificate of `identity`: X.509 v3, a random positive 128-bit serial,
 * subject = issuer = `CN=<peer id>`, valid from an hour ago to 9999-12-31, no extensions, the SPKI of the
 * identity's public key, signed with `crypto.sign(null, tbs, privateKey)` (Ed25519).
 *
 * @param now the clock, for tests.
 */
export function selfSignedCertificate(identity: Identity, now: Date = new Date()): SelfSignedCertificate {
  const algorithm = sequence(oid(ID_ED25519));
  const name = sequence(set(sequence(oid(ID_COMMON_NAME), utf8String(identity.peerId))));
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40; // positive, and exactly 16 bytes
  const tbs = sequence(
    explicit(0, integer(2)), // version v3
    integer(serial),
    algorithm,
    name, // issuer
    sequence(time(new Date(Math.floor((now.getTime() - BACKDATE_MS) / 1000) * 1000)), time(NO_EXPIRY)),
    name, // subject
    identity.publicKey.export({ type: "spki", format: "der" }),
  );
  const der = sequence(tbs, algorithm, bitString(sign(null, tbs, identity.privateKey)));
  const base64 = der.toString("base64").replace(/.{1,64}/g, "$&\n");
  return Object.freeze({ der, pem: `-----BEGIN CERTIFICATE-----\n${base64}-----END CERTIFICATE-----\n` });
}
