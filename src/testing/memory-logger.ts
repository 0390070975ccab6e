/** A logger that keeps its entries in memory, for asserting what a node logged. */
import type { LogFields, Logger, LogLevel } from "../base/logger.js";

/** One captured log entry. */
export interface LogEntry {
  level: LogLevel;
  message: string;
  fields: LogFields;
}

/** Collects every entry; `find()` and `messages()` help assertions. */
export class MemoryLogger implements Logger {
  /** Every entry, oldest first. */
  readonly entries: LogEntry[] = [];

  debug(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: "debug", message, fields });
  }
  info(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: "info", message, fields });
  }
  warn(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: "warn", message, fields });
  }
  error(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: "error", message, fields });
  }

  /** The entries at a level (or all), as `message key=value ...` strings. */
  messages(level?: LogLevel): string[] {
    return this.entries
      .filter((entry) => level === undefined || entry.level === level)
      .map((entry) => [entry.message, ...Object.entries(entry.fields).map(([k, v]) => `${k}=${String(v)}`)].join(" "));
  }

  /** The first entry whose message or fields contain `text`. */
  find(text: string, level?: LogLevel): LogEntry | undefined {
    return this.entries.find(
      (entry) =>
        (level === undefined || entry.level === level) &&
        (entry.message.includes(text) || Object.values(entry.fields).some((v) => String(v).includes(text))),
    );
  }
}
