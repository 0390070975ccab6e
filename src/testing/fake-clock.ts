/** A clock that only moves when a test says so: timing rules are tested with no real waiting. */
import type { Clock, TimerHandle } from "../base/clock.js";

interface Scheduled {
  at: number;
  seq: number;
  callback: () => void;
}

/** `now()` starts at `start` and moves by `advance(ms)`, which runs the timers that fall due, in order. */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Map<TimerHandle, Scheduled>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle = {};
    this.timers.set(handle, { at: this.current + Math.max(0, ms), seq: this.seq++, callback });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle);
  }

  /** How many timers are scheduled. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, running each timer that falls due at its own time, earliest first. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let next: [TimerHandle, Scheduled] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at <= target && (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[1].seq < next[1].seq))) {
          next = entry;
        }
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.current = next[1].at;
      next[1].callback();
    }
    this.current = target;
  }
}
