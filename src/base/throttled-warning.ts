/**
 * A warning that an attacker can trigger at will (a refused socket, an evicted connection) must not
 * become a way to flood the log: it is written once, then at most once per interval with the number of
 * occurrences in between.
 */
import type { LogFields, Logger } from "./logger.js";

/** How often a throttled warning is written at most, by default, in milliseconds. */
export const DEFAULT_WARNING_INTERVAL_MS = 10_000;

/** One kind of warning, written at most once per `intervalMs`; the others are counted and reported with the next. */
export class ThrottledWarning {
  private lastWrittenAt = Number.NEGATIVE_INFINITY;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly message: string,
    private readonly intervalMs = DEFAULT_WARNING_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one occurrence: written at warn level if the interval has passed, else counted (and logged at debug). */
  warn(fields: LogFields = {}): void {
    const now = this.now();
    if (now - this.lastWrittenAt < this.intervalMs) {
      this.suppressed += 1;
      this.logger.debug(this.message, fields);
      return;
    }
    const extra = this.suppressed > 0 ? { similarSinceLastWarning: this.suppressed } : {};
    this.lastWrittenAt = now;
    this.suppressed = 0;
    this.logger.warn(this.message, { ...fields, ...extra });
  }
}
