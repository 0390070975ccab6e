/**
 * The limits a transport enforces on its connections and sockets, and their defaults. The kernel's
 * `Limits` extends them, so one config section (`limits`) sets both.
 */
import { readFileSync } from "node:fs";

/** What a transport reads of the node's limits. */
export interface TransportLimits {
  /** Longest frame accepted, in bytes, newline excluded. A longer one closes the connection. */
  maxFrameBytes: number;
  /** Malformed or unacceptable frames tolerated per connection before it is closed. */
  maxBadFrames: number;
  /** How long a TCP connect may take, in milliseconds. */
  dialTimeoutMs: number;
  /**
   * Bytes queued for sending to one connection past which further frames to it are dropped (and
   * counted) until it drains: a peer that reads slowly cannot make the node buffer without bound.
   */
  maxQueuedBytes: number;
  /** Frames per second accepted from one connection, sustained; a faster peer is slowed (reading pauses). */
  maxFramesPerSecond: number;
  /** Frames one connection may send in a burst above `maxFramesPerSecond`. */
  frameBurst: number;
  /** Deepest nesting of arrays and objects accepted in a frame; a deeper frame is a bad frame. */
  maxJsonDepth: number;
  /**
   * Most sockets open at once, of every kind: inbound, outbound, dials in progress and those a dialect
   * opens (the one-shot sockets of a connection-per-message wire). Set below the process's
   * file-descriptor limit; at it the node refuses new sockets (logged) instead of failing with EMFILE.
   */
  maxSockets: number;
  /** A socket that has had bytes waiting to be written for this long without any being accepted is closed, in milliseconds. */
  writeTimeoutMs: number;
}

/** File descriptors kept out of `limits.maxSockets`' default: stdio, the listener, files, the event loop's own. */
const RESERVED_DESCRIPTORS = 64;

/**
 * The default of `limits.maxSockets`: the process's soft limit on open files (read from
 * `/proc/self/limits` on Linux) less `RESERVED_DESCRIPTORS`; 960 where that limit cannot be read.
 */
export function defaultSocketBudget(limitsFile = "/proc/self/limits"): number {
  let soft: number | undefined;
  try {
    const line = readFileSync(limitsFile, "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    const value = line?.split(/\s{2,}/)[1];
    if (value !== undefined && /^\d+$/.test(value)) soft = Number(value);
  } catch {
    soft = undefined;
  }
  if (soft === undefined) return 1024 - RESERVED_DESCRIPTORS;
  return Math.max(RESERVED_DESCRIPTORS, Math.min(soft, 65_536) - RESERVED_DESCRIPTORS);
}

/** The default transport limits. */
export const DEFAULT_TRANSPORT_LIMITS: Readonly<TransportLimits> = Object.freeze({
  maxFrameBytes: 1024 * 1024,
  maxBadFrames: 10,
  dialTimeoutMs: 5_000,
  maxQueuedBytes: 4 * 1024 * 1024,
  maxFramesPerSecond: 5_000,
  frameBurst: 10_000,
  maxJsonDepth: 64,
  maxSockets: defaultSocketBudget(),
  writeTimeoutMs: 30_000,
});
