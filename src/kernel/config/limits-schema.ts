/**
 * The `limits` section: every resource limit of a node, the transport's (`TransportLimits`) and the
 * kernel's, each with its allowed range and what it bounds. Defaults: `DEFAULT_LIMITS` in `../config.ts`.
 */
import { integerIn, MAX_TIMER_MS, timerMs } from "./schema-kit.js";

/** The schema of each limit, in the order the README's table and problem reports list them. */
export const LIMIT_FIELDS = {
  maxFrameBytes: integerIn(1, undefined, "Longest frame accepted, in bytes, newline excluded. A longer one closes the connection."),
  maxBadFrames: integerIn(0, undefined, "Malformed or unacceptable frames tolerated per connection before it is closed."),
  maxPeers: integerIn(1, undefined, "Most peers this node keeps connected; further handshakes are refused and advertised peers not dialled."),
  maxConnections: integerIn(
    1,
    undefined,
    "Most open connections (inbound and outbound, handshaken or not). At it, the oldest pending inbound connection is closed to admit a newcomer; only when none is pending is the newcomer closed.",
  ),
  seenCacheSize: integerIn(1, undefined, "Most broadcast ids remembered for duplicate suppression."),
  seenCacheTtlMs: timerMs(1, "How long a broadcast id is remembered, in milliseconds."),
  maxHops: integerIn(1, 255, "Hops a new BROADCAST or DIRECT may travel."),
  requestTimeoutMs: timerMs(1, "How long `join`, `getPeersFrom` and similar requests wait for their answer, in milliseconds."),
  dialTimeoutMs: timerMs(1, "How long a TCP connect may take, in milliseconds."),
  handshakeMs: timerMs(1, "How long a new connection may go without a valid PING or PONG before it is closed, in milliseconds."),
  maxQueuedBytes: integerIn(
    1,
    undefined,
    "Bytes queued for sending to one connection past which further frames to it are dropped (and counted) until it drains.",
  ),
  maxFramesPerSecond: integerIn(1, undefined, "Frames per second accepted from one connection, sustained; a faster peer is slowed (reading pauses)."),
  frameBurst: integerIn(1, undefined, "Frames one connection may send in a burst above maxFramesPerSecond."),
  maxJsonDepth: integerIn(2, 1000, "Deepest nesting of arrays and objects accepted in a frame; a deeper frame is a bad frame."),
  maxPendingConnections: integerIn(
    1,
    undefined,
    "Most connections open at once that have not completed the handshake; at the limit the oldest pending one is closed to admit a new one.",
  ),
  maxPendingPerAddress: integerIn(1, undefined, "Most pending (not yet handshaken) connections from one source IP; past it, that address's oldest is closed."),
  handshakesPerSecondPerAddress: integerIn(
    1,
    undefined,
    "Secure (TLS) handshakes one source IP may start per second, sustained; past it its connections are closed before the node sends a byte.",
  ),
  handshakeBurstPerAddress: integerIn(1, undefined, "Secure handshakes one source IP may start in a burst above handshakesPerSecondPerAddress."),
  maxInboundPeers: integerIn(
    0,
    undefined,
    "Most handshaken peers that dialled this node; the rest of maxPeers is kept for the peers this node dials itself.",
  ),
  maxInboundPeersPerAddress: integerIn(1, undefined, "Most handshaken inbound peers from one source IP."),
  maxSockets: integerIn(
    4,
    undefined,
    "Most sockets open at once, of every kind. Default: the process's open-files limit less 64. At it the node refuses new sockets instead of failing with EMFILE.",
  ),
  writeTimeoutMs: timerMs(1, "A socket that has had bytes waiting to be written for this long without any being accepted is closed, in milliseconds."),
  maxClockSkewMs: timerMs(
    1,
    "How far a BROADCAST's or DIRECT's time may lie from this node's clock, either way, in milliseconds; at most half of seenCacheTtlMs.",
  ),
  peerExchangeDialsPerReply: integerIn(0, undefined, "Most new addresses one ADVERTISE_REPLY may make this node dial."),
  peerExchangeDialsPerMinute: integerIn(0, undefined, "Most addresses peer exchange may dial in one minute, all replies together."),
  peerExchangeBackoffMs: integerIn(
    0,
    MAX_TIMER_MS,
    "After peer exchange dialled an address (or a dial to it failed), it is not dialled by peer exchange again for this long, in milliseconds.",
  ),
  legacyMessagesPerSecond: integerIn(1, undefined, "One-shot legacy messages accepted per second from one source IP (sustained); more are dropped."),
  legacyMessageBurst: integerIn(1, undefined, "One-shot legacy messages one source IP may send in a burst above legacyMessagesPerSecond."),
  legacySocketsPerLink: integerIn(1, undefined, "Most one-shot sockets open at once towards one legacy peer; further messages wait in a queue."),
  legacyQueueSize: integerIn(0, undefined, "Most messages waiting for a socket towards one legacy peer; further ones are dropped and counted."),
};
