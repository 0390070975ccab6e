/** The in-process network that `MemoryTransport`s listen on and dial through. */
import { ListenError, SettleTimeoutError } from "../base/errors.js";
import type { MemoryTransport } from "./memory-transport.js";
import type { Address } from "./transport.js";

/** The first port `listen(host, 0)` hands out in a `MemoryNetwork`. */
const FIRST_FREE_PORT = 40_000;
/** The first port used as the remote port of inbound connections (like a TCP ephemeral port). */
const FIRST_EPHEMERAL_PORT = 50_000;
/** Deliveries run in one go before yielding to the event loop, so a ping-pong loop cannot starve it. */
const DELIVERIES_PER_TURN = 1_000;
/** Event-loop turns `settle()` waits by default for the queue to empty before giving up. */
const DEFAULT_SETTLE_TURNS = 1_000;
/**
 * The hub that `MemoryTransport`s listen on and dial through. Nothing is global: each test makes its
 * own network and passes it to every transport that should reach the others.
 *
 * All deliveries (frames, accepted connections, disconnects) go through one FIFO queue, run
 * asynchronously and never inside the `send` or `close` that caused them, so the order of frames
 * on a connection is preserved and a close arrives after the frames sent before it.
 */
export class MemoryNetwork {
  private readonly listeners = new Map<string, MemoryTransport>();
  private readonly queue: Array<() => void> = [];
  private head = 0;
  private drainScheduled = false;
  private nextFreePort = FIRST_FREE_PORT;
  private nextEphemeralPort = FIRST_EPHEMERAL_PORT;

  /** Deliveries queued and not yet run. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  /**
   * Resolves once no delivery is pending, including those queued by the deliveries themselves; use it
   * in tests instead of sleeping. Rejects with `SettleTimeoutError` if the queue is still busy after
   * `maxTurns` event-loop turns (each turn runs up to 1,000 deliveries). It does not wait for timers.
   */
  async settle(maxTurns = DEFAULT_SETTLE_TURNS): Promise<void> {
    for (let turn = 0; turn < maxTurns; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.pending === 0) return;
    }
    throw new SettleTimeoutError(maxTurns, this.pending);
  }

  /** @internal Registers a listener under `host:port`, picking a free port for port 0. */
  bind(transport: MemoryTransport, host: string, port: number): Address {
    let bound = port;
    if (bound === 0) {
      while (this.listeners.has(`${host}:${this.nextFreePort}`)) this.nextFreePort++;
      bound = this.nextFreePort++;
    } else if (this.listeners.has(`${host}:${bound}`)) {
      throw new ListenError(host, port, "EADDRINUSE (another MemoryTransport listens there)");
    }
    this.listeners.set(`${host}:${bound}`, transport);
    return { host, port: bound };
  }

  /** @internal Removes a listener. */
  unbind(address: Address): void {
    this.listeners.delete(`${address.host}:${address.port}`);
  }

  /** @internal The transport listening on `host:port`, if any. */
  lookup(host: string, port: number): MemoryTransport | undefined {
    return this.listeners.get(`${host}:${port}`);
  }

  /** @internal A fresh port number to stand for the dialler's end of a connection. */
  ephemeralPort(): number {
    return this.nextEphemeralPort++;
  }

  /** @internal Queues a delivery. */
  schedule(delivery: () => void): void {
    this.queue.push(delivery);
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      queueMicrotask(() => this.drain());
    }
  }

  private drain(): void {
    let ran = 0;
    while (this.head < this.queue.length && ran < DELIVERIES_PER_TURN) {
      const delivery = this.queue[this.head]!;
      this.head++;
      ran++;
      try {
        delivery();
      } catch (error) {
        // Deliveries guard every callback they make, so this is a bug: keep the queue moving, surface it.
        setImmediate(() => this.drain());
        throw error;
      }
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      this.drainScheduled = false;
    } else {
      setImmediate(() => this.drain());
    }
  }
}
