/**
 * The secure room (protocol v2's trust primitives): identities and peer ids, the self-signed
 * certificate, the TLS 1.3 options and peer check, network keys and the private-network gate, signed
 * messages, sealed boxes. It imports only src/base.
 */
export { selfSignedCertificate, type SelfSignedCertificate } from "./certificate.js";
export { CryptoNotReadyError, IdentityKeyError, InvalidPeerIdError, NetworkKeyError, NetworkKeyMismatchError, PeerAuthenticationError } from "./errors.js";
export { ephemeralIdentity, IDENTITY_FILE, identityOf, loadOrCreateIdentity, type Identity } from "./identity.js";
export { NETWORK_KEY_BYTES, networkKeyText, parseNetworkKey } from "./network-key.js";
export { isPeerId, PEER_ID_LENGTH, PEER_ID_PREFIX, peerIdOf, publicKeyOfPeerId, rawPublicKeyOf, rawPublicKeyOfPeerId } from "./peer-id.js";
export { gateClient, gateServer, NETWORK_PSK_IDENTITY, privateNetworkOf, type PrivateNetwork } from "./private-network.js";
export { ALPN_PROTOCOL, peerIdOfTlsSocket, tlsOptionsFor, type PeerkitTlsOptions } from "./tls.js";
export { USABLE_IDS_KEPT, usableIdCheck, type UsableIdCheck } from "./usable-ids.js";
export { DEFAULT_MAX_SEALED_CHARS, openSealed, SEALED_BOX_OVERHEAD, sealTo, sodiumReady } from "./sealed-box.js";
export { DEFAULT_KEY_CACHE_SIZE, PublicKeyCache, SequenceCounter, signEnvelope, verifySignature, type SignedMessageFields } from "./signing.js";
