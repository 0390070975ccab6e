/**
 * `PendingRequests`: the requests a node sent and waits to see answered, each with its deadline. The one
 * copy of the request-with-timeout chore (handshakes, peer exchange, DIRECT acknowledgements, the
 * greeter example), timed by the node's `Clock` so that tests need no real waiting.
 */
import type { Clock, TimerHandle } from "../base/clock.js";
import { TimeoutError } from "../base/errors.js";

/** Options of `PendingRequests.wait`. */
export interface WaitOptions {
  /** The error a timed-out wait rejects with; default `TimeoutError(what, timeoutMs)` (ERR_TIMEOUT). */
  timeoutError?: (what: string, timeoutMs: number) => Error;
}

interface Pending<V> {
  what: string;
  timer: TimerHandle;
  waiters: Array<{ resolve(value: V): void; reject(error: Error): void }>;
}

/**
 * Requests waiting for their answer, by key (a message id, a peer id, a connection). A wait on a key
 * that is already pending joins that request: one deadline, every waiter settled together.
 *
 * @example
 *   private readonly replies = new PendingRequests<string, string>(clock);
 *   ask(peerId: string) {
 *     const id = this.self.newMessageId();
 *     this.network.send(peerId, this.self.envelope("ASK", null, { id }));
 *     return this.replies.wait(id, 5_000, `ASK to ${peerId}`);
 *   }
 *   @handles("ANSWER", { payload: isString }) onAnswer(e: Envelope<string>) { this.replies.resolve(e.id!, e.msg); }
 *   stop() { this.replies.rejectAll(new Error("shut down")); }
 */
export class PendingRequests<K, V> {
  private readonly pending = new Map<K, Pending<V>>();

  constructor(private readonly clock: Clock) {}

  /**
   * Resolves with the value given to `resolve(key, value)`; rejects with `reject(key, …)`, `rejectAll`,
   * or, `timeoutMs` after the key's first wait, with a `TimeoutError` naming `what` (or the error of
   * `options.timeoutError`).
   */
  wait(key: K, timeoutMs: number, what: string, options: WaitOptions = {}): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      const open = this.pending.get(key);
      if (open) {
        open.waiters.push({ resolve, reject });
        return;
      }
      const timer = this.clock.setTimeout(() => {
        this.settle(key, (waiter) => waiter.reject(options.timeoutError?.(what, timeoutMs) ?? new TimeoutError(what, timeoutMs)));
      }, timeoutMs);
      this.pending.set(key, { what, timer, waiters: [{ resolve, reject }] });
    });
  }

  /** Whether a request with this key is waiting. */
  has(key: K): boolean {
    return this.pending.has(key);
  }

  /** Answers the request with this key: every waiter resolves with `value`. False when none waited. */
  resolve(key: K, value: V): boolean {
    return this.settle(key, (waiter) => waiter.resolve(value));
  }

  /** Fails the request with this key. False when none waited. */
  reject(key: K, error: Error): boolean {
    return this.settle(key, (waiter) => waiter.reject(error));
  }

  /** Fails every request (at shutdown); `error` may be made per request from its `what` and key. */
  rejectAll(error: Error | ((what: string, key: K) => Error)): void {
    for (const [key, { what }] of [...this.pending]) this.reject(key, typeof error === "function" ? error(what, key) : error);
  }

  /** How many requests are waiting. */
  get size(): number {
    return this.pending.size;
  }

  private settle(key: K, outcome: (waiter: Pending<V>["waiters"][number]) => void): boolean {
    const entry = this.pending.get(key);
    if (!entry) return false;
    this.pending.delete(key);
    this.clock.clearTimeout(entry.timer);
    for (const waiter of entry.waiters) outcome(waiter);
    return true;
  }
}
