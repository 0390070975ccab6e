/** Time, behind an interface, so that timing rules can be tested with a fake clock and no real waiting. */

/** An opaque handle to a scheduled callback. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** Wall time and timers. Inject it with `@inject(TOKENS.Clock)`; never call `setTimeout` directly in a plugin. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a callback from `setTimeout`; a handle already run or cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `Date.now()` and Node's timers. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
  setTimeout(callback: () => void, ms: number): TimerHandle {
    return setTimeout(callback, ms);
  }
  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  }
}
