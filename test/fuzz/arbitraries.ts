/**
 * fast-check arbitraries for the fuzz tests: valid envelopes, envelopes with one field broken, and an
 * independent statement of the envelope rules of README "Wire protocol" / DESIGN.md §2 to judge
 * `parseEnvelope` against.
 */
import fc from "fast-check";

/** The seed of every property in a run: `FUZZ_SEED=n` replays one; else fast-check's own, reported on failure. */
export const FUZZ_SEED: number | undefined = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

/** fast-check parameters shared by the fuzz tests. */
export function params(numRuns: number): fc.Parameters<unknown> {
  return FUZZ_SEED === undefined ? { numRuns } : { numRuns, seed: FUZZ_SEED };
}

const NAME_MAX = 256;
const TYPES_REQUIRING_ID = new Set(["BROADCAST", "DIRECT", "DIRECT_ACK"]);
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

/** The default of `limits.maxJsonDepth`. */
export const MAX_JSON_DEPTH = 64;

/** The containers (arrays and objects) directly inside a container. */
function childContainers(value: object): object[] {
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.filter((child): child is object => typeof child === "object" && child !== null);
}

/**
 * The deepest nesting of arrays and objects in a JSON value: a scalar 0, `[]` 1, `[[1]]` 2. Level by level
 * (not the implementation's depth-first stack), and without recursion: values are thousands deep.
 */
export function jsonDepth(value: unknown): number {
  let level: object[] = typeof value === "object" && value !== null ? [value] : [];
  let depth = 0;
  while (level.length > 0) {
    depth += 1;
    level = level.flatMap(childContainers);
  }
  return depth;
}

/** True when a JSON value has a forbidden key (`__proto__`, `constructor`, `prototype`) at any depth. Iterative. */
export function hasForbiddenKeyDeep(value: unknown): boolean {
  let level: object[] = typeof value === "object" && value !== null ? [value] : [];
  while (level.length > 0) {
    if (level.some((node) => !Array.isArray(node) && Object.keys(node).some((key) => FORBIDDEN.has(key)))) return true;
    level = level.flatMap(childContainers);
  }
  return false;
}

const isName = (v: unknown): boolean => typeof v === "string" && v.length > 0 && v.length <= NAME_MAX;

/**
 * The documented rules, written independently of `checkEnvelope`: a JSON object with `msg_type`,
 * `originator` (non-empty strings, at most 256 characters), `msg` (present, any JSON), `time` (finite
 * number); `id` and `to` when present non-empty strings, `ttl` when present a non-negative integer; `id`
 * required on BROADCAST, DIRECT and DIRECT_ACK; no prototype-pollution key anywhere; arrays and objects
 * nested at most `maxDepth` deep, the envelope itself being depth 1 (README "Limits": `limits.maxJsonDepth`).
 */
export function satisfiesEnvelopeRules(value: unknown, maxDepth = MAX_JSON_DEPTH): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (!isName(v.msg_type) || !isName(v.originator)) return false;
  if (!Object.prototype.hasOwnProperty.call(v, "msg")) return false;
  if (typeof v.time !== "number" || !Number.isFinite(v.time)) return false;
  for (const field of ["id", "to"]) if (field in v && !isName(v[field])) return false;
  if ("ttl" in v && !(typeof v.ttl === "number" && Number.isInteger(v.ttl) && v.ttl >= 0)) return false;
  if (!("id" in v) && TYPES_REQUIRING_ID.has(v.msg_type as string)) return false;
  return jsonDepth(v) <= maxDepth && !hasForbiddenKeyDeep(v);
}

/** What `parseEnvelope` must answer for a text: ok exactly when it is JSON that satisfies the rules. */
export function expectedOk(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  return satisfiesEnvelopeRules(value, maxDepth);
}

/** Any string of full code points (astral characters included), of the given length range. */
export const text = (minLength: number, maxLength: number) => fc.string({ unit: "binary", minLength, maxLength });

/** A valid name field (msg_type, originator, id, to). */
export const name = fc.oneof(
  { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 24 }) },
  { weight: 2, arbitrary: text(1, 24) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }).filter((s) => s.length <= NAME_MAX) },
);

const KNOWN_TYPES = ["PING", "PONG", "ADVERTISE", "BROADCAST", "TEST", "DIRECT", "DIRECT_ACK", "KEEPALIVE", "NOPE"] as const;

/** A JSON payload without forbidden keys (fast-check likes to generate `__proto__` and `constructor` keys). */
export const payload = fc.jsonValue({ maxDepth: 3 }).filter((v) => !hasForbiddenKeyDeep(v));

/** A JSON payload rich in multi-byte UTF-8 (strings of any code point). */
export const unicodePayload = fc.oneof(text(0, 40), fc.dictionary(text(1, 6), text(0, 20), { maxKeys: 4 }).filter((v) => !hasForbiddenKeyDeep(v)), fc.array(text(0, 10), { maxLength: 4 }));

export interface EnvelopeShape {
  msg_type: string;
  msg: unknown;
  originator: string;
  time: number;
  id?: string;
  to?: string;
  ttl?: number;
}

/** Any envelope satisfying the rules; `types` narrows `msg_type`. */
export function validEnvelope(types: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...KNOWN_TYPES), name)): fc.Arbitrary<EnvelopeShape> {
  return fc
    .record(
      {
        msg_type: types,
        msg: fc.oneof(payload, unicodePayload),
        originator: name,
        time: fc.oneof(fc.integer({ min: 0, max: 2 ** 45 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
        id: name,
        to: name,
        ttl: fc.nat({ max: 64 }),
      },
      { requiredKeys: ["msg_type", "msg", "originator", "time"] },
    )
    .map((e) => (e.id === undefined && TYPES_REQUIRING_ID.has(e.msg_type) ? { ...e, id: `id-${e.originator}` } : e));
}

/** A placeholder replaced by raw JSON text after `JSON.stringify`. */
const HOLE = "\u0000hole\u0000";
const HOLE_JSON = JSON.stringify(HOLE);

/** Builds `{"k":{"k":...inner...}}` / `[[...]]` around a JSON text. */
function nestText(path: Array<string | number>, inner: string): string {
  return path.reduceRight<string>((acc, step) => (typeof step === "number" ? `[${acc}]` : `{${JSON.stringify(step)}:${acc}}`), inner);
}

const forbiddenKeyText = fc.constantFrom('"__proto__"', '"constructor"', '"prototype"', '"\\u005f_proto__"', '"constructo\\u0072"', '"\\u0070rototype"', '"\\u005F\\u005Fproto\\u005F\\u005F"');

const wrongTypeFor: Record<string, fc.Arbitrary<unknown>> = {
  msg_type: fc.oneof(fc.constant(""), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 })),
  originator: fc.oneof(fc.constant(""), fc.double(), fc.boolean(), fc.constant(null), fc.constant({})),
  time: fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({})),
  id: fc.oneof(fc.constant(""), fc.integer(), fc.constant(null), fc.constant(true), fc.constant([])),
  to: fc.oneof(fc.constant(""), fc.integer(), fc.constant(null), fc.constant({ x: 1 })),
  ttl: fc.oneof(fc.integer({ min: -1000, max: -1 }), fc.constant(1.5), fc.string(), fc.constant(null), fc.constant(false)),
};

/** One broken envelope: its text, the mutation applied, and whether the rules still accept it. */
export interface Mutant {
  text: string;
  mutation: string;
  /** True when the mutation cannot leave the frame valid (asserted as rejected, on top of the oracle). */
  mustReject: boolean;
}

/** A valid envelope with one thing broken. */
export function mutant(base: fc.Arbitrary<EnvelopeShape> = validEnvelope()): fc.Arbitrary<Mutant> {
  const withEnvelope = <T>(arb: fc.Arbitrary<T>, build: (e: EnvelopeShape, extra: T) => Mutant) => fc.tuple(base, arb).map(([e, x]) => build(e, x));
  return fc.oneof(
    // Delete a required field.
    withEnvelope(fc.constantFrom("msg_type", "msg", "originator", "time"), (e, field) => {
      const copy: Record<string, unknown> = { ...e };
      delete copy[field];
      return { text: JSON.stringify(copy), mutation: `delete ${field}`, mustReject: true };
    }),
    // A field of the wrong type.
    withEnvelope(fc.constantFrom(...Object.keys(wrongTypeFor)).chain((field) => fc.tuple(fc.constant(field), wrongTypeFor[field]!)), (e, [field, value]) => ({
      text: JSON.stringify({ ...e, [field]: value }),
      mutation: `wrong type ${field}=${JSON.stringify(value)}`.slice(0, 120),
      mustReject: true,
    })),
    // A name field past 256 characters.
    withEnvelope(fc.tuple(fc.constantFrom("msg_type", "originator", "id", "to"), fc.integer({ min: NAME_MAX + 1, max: 70_000 })), (e, [field, length]) => ({
      text: JSON.stringify({ ...e, [field]: "x".repeat(length) }),
      mutation: `huge ${field} (${length} chars)`,
      mustReject: true,
    })),
    // A huge payload string is fine (msg is any JSON; only maxFrameBytes bounds it).
    withEnvelope(fc.integer({ min: 1_000, max: 200_000 }), (e, length) => ({
      text: JSON.stringify({ ...e, msg: "é".repeat(length) }),
      mutation: `huge msg (${length} chars)`,
      mustReject: false,
    })),
    // A prototype-pollution key nested in the payload (or at top level), maybe behind \u escapes.
    withEnvelope(
      fc.tuple(fc.array(fc.oneof(fc.string({ maxLength: 4 }).filter((s) => !FORBIDDEN.has(s)), fc.constant(0)), { maxLength: 5 }), forbiddenKeyText, fc.boolean()),
      (e, [path, key, top]) => {
        const polluter = `{${key}:{"polluted":"yes","isAdmin":true}}`;
        const textOf = top
          ? JSON.stringify(e).replace(/^\{/, `{${key}:{"polluted":"yes"},`)
          : JSON.stringify({ ...e, msg: HOLE }).replace(HOLE_JSON, nestText(path, polluter));
        return { text: textOf, mutation: `forbidden key ${key} ${top ? "at top level" : `at [${path.join(",")}]`}`, mustReject: true };
      },
    ),
    // BROADCAST / DIRECT / DIRECT_ACK without an id.
    withEnvelope(fc.constantFrom("BROADCAST", "DIRECT", "DIRECT_ACK"), (e, type) => {
      const copy: Record<string, unknown> = { ...e, msg_type: type };
      delete copy.id;
      return { text: JSON.stringify(copy), mutation: `${type} without id`, mustReject: true };
    }),
    // Not an object: the envelope in an array, or just a scalar.
    withEnvelope(fc.oneof(fc.constant("array"), fc.constant("string"), fc.constant("number"), fc.constant("null")), (e, kind) => ({
      text: kind === "array" ? JSON.stringify([e]) : kind === "string" ? JSON.stringify(JSON.stringify(e)) : kind === "number" ? "42" : "null",
      mutation: `not an object (${kind})`,
      mustReject: true,
    })),
    // Truncated text: a proper prefix of an object's text is never valid JSON.
    withEnvelope(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (e, cut) => {
      const full = JSON.stringify(e);
      return { text: full.slice(0, Math.floor(cut * full.length)), mutation: "truncated", mustReject: true };
    }),
    // A duplicate key with a wrong value: JSON.parse keeps the last one.
    withEnvelope(fc.constantFrom("msg_type", "originator", "time"), (e, field) => ({
      text: JSON.stringify(e).replace(/\}$/, `,${JSON.stringify(field)}:${field === "time" ? '"soon"' : "7"}}`),
      mutation: `duplicate ${field}`,
      mustReject: true,
    })),
    // Extra unknown fields are allowed (forward compatibility).
    withEnvelope(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !["msg_type", "msg", "originator", "time", "id", "to", "ttl"].includes(k) && !FORBIDDEN.has(k)), payload, { minKeys: 1, maxKeys: 3 }), (e, extra) => ({
      text: JSON.stringify({ ...extra, ...e }),
      mutation: "extra fields",
      mustReject: false,
    })),
    // Number edge cases in time / ttl.
    withEnvelope(fc.constantFrom('"time":1e400', '"time":-1e400', '"ttl":1e400', '"ttl":-0', '"ttl":2.0', '"ttl":1e21', '"time":-0'), (e, field) => {
      const copy: Record<string, unknown> = { ...e };
      delete copy[field.slice(1, field.indexOf('"', 1))];
      return { text: JSON.stringify(copy).replace(/\}$/, `,${field}}`), mutation: `number edge ${field}`, mustReject: false };
    }),
  );
}

/** Random bytes that contain newlines, so they split into several junk lines. */
export const junkBytes = fc
  .tuple(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.array(fc.nat(), { maxLength: 4 }))
  .map(([bytes, cuts]) => {
    const out = Buffer.from(bytes);
    for (const cut of cuts) out[cut % out.length] = 0x0a;
    return Buffer.concat([out, Buffer.from("\n")]);
  });

/** Splits a buffer at the given (unsorted, arbitrary) positions; every byte boundary can be a cut. */
export function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(bytes.subarray(start, point));
    start = point;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}
