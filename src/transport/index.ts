/** The transport layer's public API: the contract, the TCP and in-memory transports, and framing. */
export type { Address, Connection, Transport, TransportHandlers } from "./transport.js";
export { FrameDecoder } from "./frame-decoder.js";
export { BaseConnection, type ConnectionLimits, type ConnectionOptions } from "./base-connection.js";
export { TcpConnection, type TcpConnectionOptions } from "./tcp-connection.js";
export { TcpTransport, type TcpTransportLimits, type TcpTransportOptions } from "./tcp-transport.js";
export type { LegacyOptions, LegacyRouterStats } from "./legacy-router.js";
export {
  MemoryConnection,
  MemoryNetwork,
  MemoryTransport,
  type MemoryTransportOptions,
} from "./memory-transport.js";
export { DEFAULT_TRANSPORT_LIMITS, defaultSocketBudget, type TransportLimits } from "./limits.js";
