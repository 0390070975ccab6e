/**
 * The contract between the kernel and a transport. The TCP transport and the in-memory transport
 * both implement it, and one compliance suite (`test/transport/contract.ts`) runs against each.
 */
import type { Envelope } from "../base/envelope.js";

/** A bound address: where a transport listens, or where a connection's far end is. */
export interface Address {
  host: string;
  port: number;
}

/**
 * The name of a wire format a transport may speak. `ndjson` (peerkit's own) is built in; a transport
 * may learn others (`TcpTransport.registerDialect`), each named after the plugin that provides it.
 */
export type Dialect = string;

/** peerkit's own wire format: one JSON envelope per line (DESIGN.md §2). */
export const NDJSON_DIALECT: Dialect = "ndjson";

/**
 * The close reason of a connection this node dialled whose first reply was not a peerkit frame (an HTTP
 * server's `HTTP/1.1 400 ...`): whatever listens there speaks another protocol. Closed at once, since
 * waiting for `limits.maxBadFrames` more lines would only repeat the same warning.
 */
export const NOT_A_PEERKIT_NODE = "no peerkit node answers there (protocol mismatch: its first reply is not a peerkit frame)";

/** Options of `Transport.dial`. */
export interface DialOptions {
  /** The wire format the peer at that address speaks; default `ndjson`. */
  dialect?: Dialect;
}

/** Counters of one connection, for monitoring and tests. */
export interface ConnectionStats {
  /** Valid frames received. */
  framesIn: number;
  /** Frames queued for sending. */
  framesOut: number;
  /** Frames rejected as malformed or unacceptable. */
  badFrames: number;
  /** Frames not sent because more than `limits.maxQueuedBytes` were already waiting (a slow reader). */
  dropped: number;
  /** Bytes queued for sending and not yet handed to the network. */
  queuedBytes: number;
  /** Times reading was paused because the peer sent faster than `limits.maxFramesPerSecond`. */
  throttled: number;
}

/** One long-lived, two-way link to another node. */
export interface Connection {
  /** Unique among this transport's connections, e.g. `tcp-7`. Used in logs. */
  readonly id: string;
  /** Who opened it: `outbound` when this node dialled, `inbound` when the remote did. */
  readonly direction: "inbound" | "outbound";
  /** The remote end's address as the socket sees it (for inbound links, an ephemeral port). */
  readonly remote: Address;
  /** The wire format the far end speaks; `ndjson` when absent. */
  readonly dialect?: Dialect;
  /**
   * True when the far end answers one request with several messages (a dialect that carries one list
   * entry per message): a requester keeps its request open for further replies until its timeout.
   */
  readonly splitsReplies?: boolean;
  /**
   * The peer id the far end proved in the secure channel's handshake (protocol v2): derived from its
   * key, never a claim. Undefined on a plaintext (protocol v1, `--insecure`, legacy) connection.
   */
  readonly provenPeerId?: string;
  /** The peer id this connection was bound to by the handshake; set by the kernel, used in logs. */
  peerId: string | undefined;
  /** True once the connection is closed, from either side. */
  readonly closed: boolean;
  /**
   * Queues one envelope for sending. Returns false, and sends nothing, when the connection is closed or
   * more than `limits.maxQueuedBytes` are already waiting to be sent (counted in `stats().dropped`).
   * `encoded` is the envelope's JSON text when the caller has it already (a broadcast to every peer is
   * serialised once). Never throws.
   */
  send(envelope: Envelope, encoded?: string): boolean;
  /** This connection's counters. */
  stats(): ConnectionStats;
  /**
   * Reports that a frame which parsed as an envelope was still unacceptable (e.g. a wrong payload
   * shape for its type). It is logged and counts against `limits.maxBadFrames`, like a malformed frame.
   */
  rejectFrame(reason: string): void;
  /** Closes the connection; `reason` is logged and passed to the `disconnect` handler. Idempotent. */
  close(reason?: string): void;
}

/** What a transport calls back into. Set once with `Transport.setHandlers` before listening or dialling. */
export interface TransportHandlers {
  /** A connection opened, inbound or outbound. Called before any of its frames. */
  connection(connection: Connection): void;
  /** A valid envelope arrived on a connection. */
  frame(connection: Connection, envelope: Envelope): void;
  /**
   * Optional: whether the node already has the signed message of this type and id (`sig`: the signature
   * this copy carries) that just arrived on
   * `connection` (asked once the frame's outer object passed its checks and its id was computed, before
   * its signed text is parsed; see `parseFrame`). True: the frame counts as received and goes no
   * further, neither parsed nor handed to `frame`. Must not throw.
   */
  knownFrame?(connection: Connection, msgType: string, id: string, sig: string): boolean;
  /** A connection closed (by either side, or after an error). Called exactly once per connection. */
  disconnect(connection: Connection, reason: string): void;
}

/** Moves envelopes between nodes. One instance per node. */
export interface Transport {
  /** Installs the kernel's callbacks. Must be called before `listen` or `dial`. */
  setHandlers(handlers: TransportHandlers): void;
  /** Starts accepting connections; resolves with the bound address (port 0 picks a free port). */
  listen(host: string, port: number): Promise<Address>;
  /** The bound address, or undefined when not listening. */
  address(): Address | undefined;
  /** Opens a connection to a listening node. Rejects with a coded `PeerkitError` on failure. */
  dial(host: string, port: number, options?: DialOptions): Promise<Connection>;
  /** Stops listening and closes every connection; resolves when nothing is left open. Idempotent. */
  close(): Promise<void>;
}
