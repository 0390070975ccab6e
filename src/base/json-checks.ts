/**
 * The checks every frame's JSON gets, in every dialect and both forms: the depth and key walk
 * (`checkJsonValue`), and the envelope's fields (`checkEnvelope`). Used by `envelope.ts`'s parsers and by
 * `signed-frame.ts` on a signed text.
 */

/** The longest `msg_type`, `originator`, `id` or `to` accepted, in characters. */
export const MAX_NAME_LENGTH = 256;

/** Message types whose envelope must carry an `id` (DESIGN.md §2: "required on BROADCAST and DIRECT"). */
const TYPES_REQUIRING_ID = new Set(["BROADCAST", "DIRECT", "DIRECT_ACK"]);

/** Whether a value can be a `msg_type`, `originator`, `id` or `to`: a non-empty string of at most `MAX_NAME_LENGTH`. */
export function isName(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_NAME_LENGTH;
}

/**
 * Checks that a parsed JSON value has the envelope's shape; returns the reason when it does not.
 * Extra fields are allowed (forward compatibility) and passed through untouched.
 */
export function checkEnvelope(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "frame is not a JSON object";
  }
  const v = value as Record<string, unknown>;
  if (!isName(v.msg_type)) return "field msg_type must be a non-empty string";
  if (!("msg" in v)) return "field msg is missing";
  if (!isName(v.originator)) return "field originator must be a non-empty string";
  if (typeof v.time !== "number" || !Number.isFinite(v.time)) return "field time must be a finite number";
  if (v.id !== undefined && !isName(v.id)) return "field id must be a non-empty string";
  if (v.to !== undefined && !isName(v.to)) return "field to must be a non-empty string";
  if (v.ttl !== undefined && !isTtl(v.ttl)) {
    return "field ttl must be a non-negative integer";
  }
  if (v.seq !== undefined && !isSequenceNumber(v.seq)) return "field seq must be an integer from 0 to 2^53-1";
  // A signature comes only from the signed form (parseSigned), never from a field a frame names so.
  if (Object.hasOwn(v, "signature")) return "field signature is reserved (a signed message uses the sig and signed fields)";
  if (v.id === undefined && TYPES_REQUIRING_ID.has(v.msg_type)) return `field id is required on ${v.msg_type}`;
  return undefined;
}

/** The default of `limits.maxJsonDepth`, for callers that have no config at hand. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/** Whether a key could reach `Object.prototype` if some consumer merged a payload into an object. */
function isForbiddenKey(key: string): boolean {
  return key === "__proto__" || key === "constructor" || key === "prototype";
}

/**
 * Checks a value as `JSON.parse` returns it (a tree: no cycle, no shared node) before anything else walks
 * it: arrays and objects nested at most `maxDepth` deep (the value itself is depth 1, a scalar 0), and no
 * `__proto__`, `constructor` or `prototype` key at any depth. Returns the reason it is refused, or
 * undefined. Never throws, whatever the depth.
 *
 * Iterative, with an explicit stack: a recursive walk overflows the call stack on a frame of a few
 * thousand `[` (issue 9, item 1). Each node is visited once, so the work is linear in the value's size,
 * which `limits.maxFrameBytes` bounds for a frame; the walk stops at the first node past `maxDepth`.
 * Everything downstream that recurses (V8's `JSON.stringify` in the printers, the event emitters' callers,
 * the loggers) relies on this bound: a value that passed here is at most `maxDepth` deep.
 *
 * Used by `parseEnvelope` on every frame, of every dialect, before anything else walks it.
 */
export function checkJsonValue(root: unknown, maxDepth: number = DEFAULT_MAX_JSON_DEPTH): string | undefined {
  if (typeof root !== "object" || root === null) return undefined;
  if (maxDepth < 1) return depthReason(maxDepth);
  // The stacks (two parallel ones rather than one of pairs: no allocation per node) are made only for a
  // value that nests: most frames are one object of scalars and strings, walked without allocating.
  let nodes: object[] | undefined;
  let depths: number[] | undefined;
  let node: object = root;
  let depth = 1;
  for (;;) {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        if (typeof item !== "object" || item === null) continue;
        if (depth >= maxDepth) return depthReason(maxDepth);
        (nodes ??= []).push(item);
        (depths ??= []).push(depth + 1);
      }
    } else {
      const record = node as Record<string, unknown>;
      // for-in rather than Object.keys (half the cost: no array per object). It lists the own keys, all of
      // them (JSON.parse makes every property an enumerable data property, `__proto__` included), and
      // inherited enumerable ones, of which Object.prototype has none: should something have polluted it,
      // the walk only refuses more, and still ends (at `maxDepth`).
      for (const key in record) {
        if (isForbiddenKey(key)) return "frame contains a forbidden key (__proto__, constructor or prototype)";
        const item = record[key];
        if (typeof item !== "object" || item === null) continue;
        if (depth >= maxDepth) return depthReason(maxDepth);
        (nodes ??= []).push(item);
        (depths ??= []).push(depth + 1);
      }
    }
    if (nodes === undefined || nodes.length === 0) return undefined;
    node = nodes.pop()!;
    depth = depths!.pop()!;
  }
}

function depthReason(maxDepth: number): string {
  return `JSON nested deeper than limits.maxJsonDepth (${maxDepth})`;
}

/** Whether a value can be a message's `ttl`: an integer from 0. */
export function isTtl(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}

/** Whether a value can be a signed message's `seq`: a safe integer from 0. */
export function isSequenceNumber(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
