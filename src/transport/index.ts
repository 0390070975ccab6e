/** The transport layer's public API: the contract, the TCP and in-memory transports, and framing. */
export { NDJSON_DIALECT, type Address, type Connection, type Dialect, type DialOptions, type Transport, type TransportHandlers } from "./transport.js";
export { FrameDecoder } from "./frame-decoder.js";
export { BaseConnection, type ConnectionLimits, type ConnectionOptions } from "./base-connection.js";
export { TcpConnection, type TcpConnectionOptions } from "./tcp-connection.js";
export { TcpTransport, type TcpTransportOptions } from "./tcp-transport.js";
export { type DialectDialer, type OneShotMessageHandler } from "./dialect-registry.js";
export {
  MemoryConnection,
  MemoryNetwork,
  MemoryTransport,
  type MemoryTransportOptions,
} from "./memory-transport.js";
export { DEFAULT_TRANSPORT_LIMITS, defaultSocketBudget, type TransportLimits } from "./limits.js";
export { looksLikeTls, type SecureChannel, type SecuredSocket } from "./secure-channel.js";
export { SecureAcceptor, type SecureTransportOptions } from "./secure-acceptor.js";
export { HandshakeSlots, type HandshakeLimits } from "./handshake-slots.js";
