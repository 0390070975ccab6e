/**
 * How the CLI reports an error that ends it: one paragraph on stderr, prefixed `peerkit: `, with the
 * error's code; the stack trace (and the causes') only with `--debug`.
 */
import { PeerkitError } from "../base/errors.js";
import { USAGE, UsageError } from "./args.js";
import { linesFor } from "./output.js";

/** The exit code for an error: 2 for a malformed command line, 1 for anything else. */
export function exitCodeOf(error: unknown): number {
  return error instanceof UsageError ? 2 : 1;
}

/**
 * The text to print for an error, without a trailing newline. A `PeerkitError` shows its message and
 * `(CODE)`; a usage error adds the usage text; any other error shows its message only. With `debug`,
 * the stack trace and every `cause` follow.
 */
export function formatFailure(error: unknown, debug: boolean): string {
  let text: string;
  if (error instanceof PeerkitError) text = `peerkit: ${error.message} (${error.code})`;
  else if (error instanceof Error) text = `peerkit: ${error.message || error.name}`;
  else text = `peerkit: ${String(error)}`;

  if (debug) text += stackOf(error);
  if (error instanceof UsageError) text += `\n\n${USAGE}`;
  // A message may quote what a peer said (a reason, an id): no control or format character reaches the terminal.
  return linesFor(text);
}

/** The stack frames of an error and of its causes, each cause introduced by "Caused by:". */
function stackOf(error: unknown): string {
  let text = "";
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    const frames = (current.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line));
    if (depth > 0) text += `\nCaused by: ${current.name}: ${current.message}`;
    if (frames.length > 0) text += `\n${frames.join("\n")}`;
    current = current.cause;
  }
  return text;
}
