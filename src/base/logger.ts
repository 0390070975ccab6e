/** Logging: a four-level interface, and the stderr logger the CLI and `createNode` use by default. */
import { sanitizeText } from "./safe-text.js";

/** Structured context attached to a log line, e.g. `{ peer: "abc", reason: "..." }`. */
export type LogFields = Record<string, unknown>;

/** The levels, least to most severe. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** What every component logs through. Inject it with `@inject(TOKENS.Logger)`. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function render(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === "string") return /^[\w.:/@-]+$/.test(value) ? value : JSON.stringify(value);
  try {
    // Values from the network are at most limits.maxJsonDepth deep (parseEnvelope): no stack overflow here.
    return JSON.stringify(value) ?? String(value);
  } catch {
    // A BigInt or a cycle: a log line must never throw into the code that logs.
    return JSON.stringify(String(value));
  }
}

/**
 * Writes one line per entry to a stream (stderr by default), never to stdout, so that `--json` output
 * stays clean: `2026-11-25T08:00:00.000Z WARN  [node-a] bad frame peer=x reason="..."`.
 *
 * Messages and field values carry text from the network (peer ids, reasons, hosts): every control, format
 * and separator character in a line (C0, C1, bidi overrides, zero-width...) is written as a `\uXXXX`
 * escape (`sanitizeText`), so the information stays while a terminal or a log viewer shows only
 * printable text, and one entry is always one line.
 */
export class StreamLogger implements Logger {
  private readonly minimum: number;

  constructor(
    private readonly name: string,
    level: LogLevel = "info",
    private readonly stream: { write(chunk: string): unknown } = process.stderr,
  ) {
    this.minimum = RANK[level];
  }

  debug(message: string, fields?: LogFields): void {
    this.write("debug", message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.write("info", message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.write("warn", message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.write("error", message, fields);
  }

  private write(level: LogLevel, message: string, fields?: LogFields): void {
    if (RANK[level] < this.minimum) return;
    let line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [${this.name}] ${message}`;
    if (fields) {
      for (const [key, value] of Object.entries(fields)) line += ` ${key}=${render(value)}`;
    }
    this.stream.write(sanitizeText(line, "escape") + "\n");
  }
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
