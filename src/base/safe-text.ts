/**
 * Text from the network on its way to a person (DESIGN.md §4: "stripped of control and format
 * characters before a person sees it or a log line carries it").
 */

/**
 * The characters a peer could use to rewrite what a terminal shows: controls (Cc: C0 with ESC, CR and
 * LF, DEL, C1 with CSI and NEL), format characters (Cf: bidi overrides and isolates such as U+202E,
 * zero-width spaces and joiners, BOM, soft hyphen, tag characters), lone surrogates (Cs, which a
 * terminal shows as U+FFFD) and the line and paragraph separators U+2028 and U+2029 (Zl, Zp).
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;
const UNSAFE_ONE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

/** `"remove"`: drop them (for what a person reads); `"escape"`: write each as `\uXXXX` (logs, JSON). */
export type UnsafeTextMode = "remove" | "escape";

/**
 * Makes untrusted text safe for a terminal: every control, format and separator character (see above)
 * is removed, or, with `"escape"`, written as `\uXXXX` (an astral one as its two surrogate escapes), so
 * that the information stays while the terminal sees only printable characters. Escaping text that is
 * already JSON keeps it valid JSON that parses back to the same value. The one function for this: the
 * CLI printers and `StreamLogger` all go through it.
 */
export function sanitizeText(text: string, mode: UnsafeTextMode = "remove"): string {
  // Most text has nothing to replace: one test, no copy.
  if (!UNSAFE_ONE.test(text)) return text;
  return mode === "remove" ? text.replace(UNSAFE, "") : text.replace(UNSAFE, escapeUnits);
}

function escapeUnits(character: string): string {
  let out = "";
  for (let i = 0; i < character.length; i++) out += `\\u${character.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return out;
}
