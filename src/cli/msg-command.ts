/**
 * The chat command `/msg PEER_ID TEXT`: a one-to-one message. Parsing here; sending and reporting the
 * outcome in `ChatSession`.
 */

/** What `/msg` prints when its arguments are missing. */
export const MSG_USAGE = "usage: /msg PEER_ID TEXT, e.g. /msg 3f2a9c hello (the ids are in /peers)";

/** A parsed `/msg`: the destination peer id and the text to send. */
export interface MsgCommand {
  to: string;
  text: string;
}

/**
 * Parses what follows `/msg` on the line: the peer id, then the text. The text is the rest of the line
 * after the whitespace that ends the id, kept as typed (inner spaces included). Undefined when the id or
 * the text is missing.
 */
export function parseMsgArgs(rest: string): MsgCommand | undefined {
  const match = /^\s+(\S+)\s+([\s\S]*)$/.exec(rest);
  if (!match || match[2]!.trim() === "") return undefined;
  return { to: match[1]!, text: match[2]! };
}
