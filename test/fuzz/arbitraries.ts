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
 * nested at most `maxDepth` deep, the envelope itself being depth 1 (README "Limits": `limits.maxJsonDepth`);
 * `seq` when present an integer in [0, 2^53-1]; no `signature` field; with `sig` or `signed`, the signed
 * form's rules instead.
 */
export function satisfiesEnvelopeRules(value: unknown, maxDepth = MAX_JSON_DEPTH): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const own = (field: string) => Object.prototype.hasOwnProperty.call(v, field);
  if (own("sig") || own("signed")) return satisfiesSignedRules(v, maxDepth);
  if (own("signature")) return false;
  if (own("seq") && !(Number.isSafeInteger(v.seq) && (v.seq as number) >= 0)) return false;
  if (!isName(v.msg_type) || !isName(v.originator)) return false;
  if (!Object.prototype.hasOwnProperty.call(v, "msg")) return false;
  if (typeof v.time !== "number" || !Number.isFinite(v.time)) return false;
  for (const field of ["id", "to"]) if (field in v && !isName(v[field])) return false;
  if ("ttl" in v && !(typeof v.ttl === "number" && Number.isInteger(v.ttl) && v.ttl >= 0)) return false;
  if (!("id" in v) && TYPES_REQUIRING_ID.has(v.msg_type as string)) return false;
  return jsonDepth(v) <= maxDepth && !hasForbiddenKeyDeep(v);
}

/**
 * The signed form's rules (README "Wire protocol", protocol v2): an outer object of only `msg_type`,
 * `ttl`, `sig` (base64url of exactly 64 bytes, canonical) and `signed` (a string of well-formed Unicode);
 * the text is JSON that satisfies the envelope rules once given an id, has the outer `msg_type`, a `seq`
 * in [0, 2^53-1], and no `id`, `ttl`, `sig`, `signed` or `signature`.
 */
function satisfiesSignedRules(v: Record<string, unknown>, maxDepth: number): boolean {
  if (Object.keys(v).some((key) => !["msg_type", "ttl", "sig", "signed"].includes(key))) return false;
  if (!isName(v.msg_type)) return false;
  if ("ttl" in v && !(typeof v.ttl === "number" && Number.isInteger(v.ttl) && v.ttl >= 0)) return false;
  if (typeof v.sig !== "string") return false;
  const sig = Buffer.from(v.sig, "base64url");
  if (sig.length !== 64 || sig.toString("base64url") !== v.sig) return false;
  if (typeof v.signed !== "string" || Buffer.from(v.signed, "utf8").toString("utf8") !== v.signed) return false;
  let inner: unknown;
  try {
    inner = JSON.parse(v.signed);
  } catch {
    return false;
  }
  if (typeof inner !== "object" || inner === null || Array.isArray(inner)) return false;
  const fields = inner as Record<string, unknown>;
  if (["id", "ttl", "sig", "signed", "signature"].some((key) => Object.prototype.hasOwnProperty.call(fields, key))) return false;
  if (fields.msg_type !== v.msg_type || !Number.isSafeInteger(fields.seq) || (fields.seq as number) < 0) return false;
  return jsonDepth(inner) <= maxDepth && satisfiesEnvelopeRules({ ...fields, id: "hash" }, maxDepth);
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

/** A signed frame (protocol v2) as an object: the outer fields around the text of a valid envelope. */
export interface SignedFrameShape {
  msg_type: string;
  ttl?: number;
  sig: string;
  signed: string;
}

/** Any signed frame satisfying the rules (its signature random bytes: parseEnvelope checks only the shape). */
export const validSignedFrame: fc.Arbitrary<SignedFrameShape> = fc
  .record({
    envelope: validEnvelope(),
    seq: fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER), fc.constant(0)),
    sig: fc.uint8Array({ minLength: 64, maxLength: 64 }),
    ttl: fc.option(fc.nat({ max: 64 }), { nil: undefined }),
  })
  .map(({ envelope, seq, sig, ttl }) => {
    const { id: _id, ttl: _ttl, ...inner } = envelope;
    const frame: SignedFrameShape = { msg_type: envelope.msg_type, sig: Buffer.from(sig).toString("base64url"), signed: JSON.stringify({ ...inner, seq }) };
    if (ttl !== undefined) frame.ttl = ttl;
    return frame;
  });

/** A valid signed frame with one thing broken (or changed in a way that may keep it valid: the oracle judges). */
export const signedMutant: fc.Arbitrary<Mutant> = fc
  .tuple(validSignedFrame, fc.nat({ max: 11 }), fc.nat(), fc.jsonValue({ maxDepth: 1 }))
  .map(([frame, kind, n, junk]) => {
    const inner = JSON.parse(frame.signed) as Record<string, unknown>;
    const withInner = (fields: Record<string, unknown>) => ({ ...frame, signed: JSON.stringify(fields) });
    const cases: Array<[string, unknown, boolean]> = [
      ["outer field", { ...frame, [["originator", "msg", "id", "to", "time", "seq"][n % 6]!]: junk ?? 1 }, true],
      ["swapped msg_type", { ...frame, msg_type: `${frame.msg_type}X`.slice(-256) }, true],
      ["inner derived field", withInner({ ...inner, [["id", "ttl", "sig", "signed", "signature"][n % 5]!]: junk ?? 1 }), true],
      ["bad seq", withInner({ ...inner, seq: [-1, 0.5, 2 ** 53, "1", null][n % 5] }), true],
      ["no seq", withInner({ ...inner, seq: undefined }), true],
      ["sig length", { ...frame, sig: frame.sig.slice(0, 1 + (n % 85)) }, true],
      ["sig character", { ...frame, sig: frame.sig.slice(0, n % 86) + "-_A+/=."[n % 7] + frame.sig.slice((n % 86) + 1) }, false],
      ["text truncated", { ...frame, signed: frame.signed.slice(0, n % frame.signed.length) }, true],
      ["text character", { ...frame, signed: frame.signed.slice(0, n % frame.signed.length) + String.fromCharCode(n % 0xffff) + frame.signed.slice((n % frame.signed.length) + 1) }, false],
      ["missing sig or signed", n % 2 === 0 ? { ...frame, sig: undefined } : { ...frame, signed: undefined }, true],
      ["signed not a string", { ...frame, signed: inner }, true],
      ["ttl", { ...frame, ttl: junk }, false],
    ];
    const [mutation, value, mustReject] = cases[kind]!;
    return { text: JSON.stringify(value), mutation, mustReject };
  });

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
