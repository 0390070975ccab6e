/** The one way to turn a caught value into text for a log line or a message. */

/** The message of an `Error`, or the value as a string: what a log line should carry for `error`. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
