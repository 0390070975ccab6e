/**
 * Structure-aware arbitraries for hostile JSON (issue 9, item 1): raw JSON text built without recursion,
 * each piece carrying what it is by construction (its nesting depth, whether it holds a forbidden key),
 * so that a frame's expected verdict is known without walking the parsed value.
 *
 * Pieces: scalars at the edges (1e308, -0, 5e-324, exponents past the double range, 2^53+1, long digit
 * strings), strings with every escape, lone surrogates (escaped and raw), C1 and bidi characters and the
 * forbidden words as values; keys, forbidden ones spelled plainly or with `\u` escapes, and near misses;
 * long flat arrays and objects with many keys; and spines of nested arrays and objects up to thousands
 * deep with siblings along the way.
 */
import fc from "fast-check";

/** A piece of JSON text and what it is. */
export interface JsonPiece {
  text: string;
  /** Deepest nesting of arrays and objects: a scalar 0, `[]` 1. */
  depth: number;
  /** True when an object anywhere in it has a key that decodes to `__proto__`, `constructor` or `prototype`. */
  forbidden: boolean;
}

const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);
const scalar = (text: string): JsonPiece => ({ text, depth: 0, forbidden: false });

/** Numbers at the edges of what JSON text and a double can carry; `finite` says what `JSON.parse` makes of it. */
export const edgeNumber = fc.oneof(
  fc.constantFrom("0", "-0", "-0.0", "1e308", "-1e308", "1.7976931348623157e308", "5e-324", "2.5e-324", "1e-400", "9007199254740993", "-9007199254740993", "123456789012345678901234567890", "1E+2", "0.1e-99999", "1700000000000"),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
);
/** Numbers that parse to ±Infinity (a `time` must be finite). */
export const infiniteNumber = fc.constantFrom("1e400", "-1e400", "1e99999", "-123e999999");

/** One unit of a JSON string's text: plain, escaped, a lone surrogate, a control or format character, a forbidden word. */
const stringUnit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s).slice(1, -1)) },
  { weight: 2, arbitrary: fc.constantFrom("\\u0041", "\\u005f", "\\n", "\\r", "\\t", '\\"', "\\\\", "\\/", "\\b", "\\f", "\\u0000", "\\u001b[2J", "\\u00e9", "\\ud83d\\ude00") },
  { weight: 2, arbitrary: fc.constantFrom("\\ud800", "\\udc00", "\\udbff", "\ud800", "\udfff", "\ud800\\udc00") },
  { weight: 1, arbitrary: fc.constantFrom("\u0085", "\u009b", "\u202e", "\u2066", "\u200b", "\ufeff", "\u00ad", "\u2028", "\u{e0041}") },
  { weight: 1, arbitrary: fc.constantFrom("__proto__", "constructor", "prototype", "\\u005f_proto__") },
);

/** The text of a JSON string. */
export const stringText = fc.array(stringUnit, { maxLength: 6 }).map((units) => `"${units.join("")}"`);

const leaf: fc.Arbitrary<JsonPiece> = fc.oneof(
  { weight: 3, arbitrary: stringText.map(scalar) },
  { weight: 3, arbitrary: edgeNumber.map(scalar) },
  { weight: 1, arbitrary: infiniteNumber.map(scalar) },
  { weight: 1, arbitrary: fc.constantFrom("true", "false", "null").map(scalar) },
);

/** A key: its text and whether it decodes to a forbidden name. */
export interface KeyText {
  text: string;
  forbidden: boolean;
}

const keyOf = (text: string): KeyText => ({ text, forbidden: FORBIDDEN.has(JSON.parse(text) as string) });

const FORBIDDEN_KEYS = ['"__proto__"', '"constructor"', '"prototype"', '"\\u005f_proto__"', '"\\u005F\\u005Fproto\\u005F\\u005F"', '"constructo\\u0072"', '"\\u0070rototype"'];
const NEAR_MISSES = ['"__proto_"', '"_proto__"', '"Constructor"', '"constructor "', '"prototypes"', '"\\u005f_proto_"', '"__proto__\\u0000"', '"\\u202econstructor"', '"\\ud800prototype"'];

/** Any key: mostly ordinary, some forbidden (plain or escaped), some near misses. */
export const key: fc.Arbitrary<KeyText> = fc.oneof(
  { weight: 4, arbitrary: stringText.map(keyOf) },
  { weight: 1, arbitrary: fc.constantFrom(...FORBIDDEN_KEYS).map(keyOf) },
  { weight: 1, arbitrary: fc.constantFrom(...NEAR_MISSES).map(keyOf) },
);

/** A key that never decodes to `s<digits>`, the names of spine siblings, nor to an envelope field. */
const spineKey = key.filter((k) => {
  const name = JSON.parse(k.text) as string;
  return !/^s\d+$/.test(name) && !["msg_type", "msg", "originator", "time", "id", "to", "ttl"].includes(name);
});

/** Arrays and objects one level deep: empty, short, long (thousands of elements), or with hundreds of keys. */
export const flat: fc.Arbitrary<JsonPiece> = fc.oneof(
  fc.constantFrom("[]", "{}").map((text) => ({ text, depth: 1, forbidden: false })),
  fc.array(leaf, { maxLength: 8 }).map((items) => ({ text: `[${items.map((i) => i.text).join(",")}]`, depth: 1, forbidden: false })),
  fc.tuple(leaf, fc.integer({ min: 100, max: 5000 })).map(([item, n]) => ({ text: `[${Array(n).fill(item.text).join(",")}]`, depth: 1, forbidden: false })),
  fc.array(fc.tuple(key, leaf), { maxLength: 8 }).map((pairs) => ({
    text: `{${pairs.map(([k, v]) => `${k.text}:${v.text}`).join(",")}}`,
    depth: 1,
    forbidden: pairs.some(([k]) => k.forbidden),
  })),
  fc.tuple(fc.integer({ min: 50, max: 600 }), leaf, fc.option(key, { nil: undefined })).map(([n, value, extra]) => ({
    text: `{${Array.from({ length: n }, (_, i) => `"k${i}":${value.text}`).join(",")}${extra ? `,${extra.text}:0` : ""}}`,
    depth: 1,
    forbidden: extra?.forbidden ?? false,
  })),
);

/** A scalar or a flat container. */
export const shallow: fc.Arbitrary<JsonPiece> = fc.oneof({ weight: 2, arbitrary: leaf }, { weight: 1, arbitrary: flat });

interface Step {
  kind: "array" | "object";
  key: KeyText;
  /** A sibling before the deeper branch, after it, or none. */
  sibling: JsonPiece | undefined;
  after: boolean;
  /** Sibling keys (objects): `s0`, or a forbidden key. */
  siblingKey: KeyText;
}

/** Siblings along a spine: scalars and short flat containers (they repeat with the pattern). */
const sibling: fc.Arbitrary<JsonPiece> = fc.oneof(
  { weight: 3, arbitrary: leaf },
  { weight: 1, arbitrary: fc.array(leaf, { maxLength: 6 }).map((items) => ({ text: `[${items.map((i) => i.text).join(",")}]`, depth: 1, forbidden: false })) },
  {
    weight: 1,
    arbitrary: fc.array(fc.tuple(key, leaf), { maxLength: 6 }).map((pairs) => ({
      text: `{${pairs.map(([k, v]) => `${k.text}:${v.text}`).join(",")}}`,
      depth: 1,
      forbidden: pairs.some(([k]) => k.forbidden),
    })),
  },
);

const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom("array", "object"),
  key: spineKey,
  sibling: fc.option(sibling, { freq: 3, nil: undefined }),
  after: fc.boolean(),
  siblingKey: fc.oneof({ weight: 9, arbitrary: fc.constant(keyOf('"s0"')) }, { weight: 1, arbitrary: fc.constantFrom(...FORBIDDEN_KEYS).map(keyOf) }),
});

/** How deep a spine goes: mostly around common limits, sometimes thousands deep (the issue's 4,000). */
export const spineDepth = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 12 }) },
  { weight: 3, arbitrary: fc.integer({ min: 55, max: 70 }) },
  { weight: 1, arbitrary: fc.integer({ min: 90, max: 1100 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1000, max: 6000 }) },
);

/**
 * A spine: `depth` nested arrays and objects following a repeating pattern of steps, each level maybe with
 * a sibling (siblings repeat with the pattern, so they are kept off the deep levels past 200 to bound the
 * text), around an inner piece. Built with loops: the generator must not recurse either.
 */
export const spine: fc.Arbitrary<JsonPiece> = fc
  .tuple(fc.array(step, { minLength: 1, maxLength: 6 }), spineDepth, shallow)
  .map(([pattern, levels, inner]) => {
    const opens: string[] = [];
    const closes: string[] = [];
    let depth = levels + inner.depth;
    let forbidden = inner.forbidden;
    for (let i = 0; i < levels; i++) {
      const s = pattern[i % pattern.length]!;
      const sibling = i < 200 ? s.sibling : undefined;
      if (sibling) {
        depth = Math.max(depth, i + 1 + sibling.depth);
        forbidden ||= sibling.forbidden;
      }
      if (s.kind === "array") {
        opens.push(sibling && !s.after ? `[${sibling.text},` : "[");
        closes.push(sibling && s.after ? `,${sibling.text}]` : "]");
      } else {
        forbidden ||= s.key.forbidden;
        if (sibling) forbidden ||= s.siblingKey.forbidden;
        const pair = sibling ? `${s.siblingKey.text}:${sibling.text}` : "";
        opens.push(`{${pair && !s.after ? `${pair},` : ""}${s.key.text}:`);
        closes.push(pair && s.after ? `,${pair}}` : "}");
      }
    }
    return { text: opens.join("") + inner.text + closes.reverse().join(""), depth, forbidden };
  });

/** Where the hostile value goes in a TEST frame. */
export type Placement = "msg" | "extra" | "whole";

/** A TEST frame around a hostile value, with its verdict by construction for a given depth limit. */
export interface HostileFrame {
  text: string;
  /** Depth of the whole frame, the envelope being depth 1. */
  depth: number;
  forbidden: boolean;
  /** True when the envelope's own shape is right (an object with valid fields, a finite time). */
  shapeOk: boolean;
  placement: Placement;
}

/** A `time` field's text, and whether it parses to a finite number. */
export interface TimeText {
  text: string;
  finite: boolean;
}

/** Times at the edges, a few of them infinite. */
export const edgeTime: fc.Arbitrary<TimeText> = fc.oneof(
  { weight: 5, arbitrary: edgeNumber.map((text) => ({ text, finite: true })) },
  { weight: 1, arbitrary: infiniteNumber.map((text) => ({ text, finite: false })) },
);

/**
 * A TEST frame carrying a deep, wide or escaped value in `msg`, in an extra field, or as the whole frame.
 * Frames other than "whole" end with `"originator":<originator>,"time":<time>}`.
 */
export function hostileFrame(originator: fc.Arbitrary<string> = fc.constant("o"), times: fc.Arbitrary<TimeText> = edgeTime): fc.Arbitrary<HostileFrame> {
  return fc
    .record({
      value: fc.oneof({ weight: 3, arbitrary: spine }, { weight: 1, arbitrary: shallow }),
      placement: fc.constantFrom<Placement>("msg", "msg", "extra", "whole"),
      extraKey: spineKey,
      time: times,
      originator,
    })
    .map(({ value, placement, extraKey, time, originator: from }) => {
      const head = `{"msg_type":"TEST",`;
      const tail = `"originator":${JSON.stringify(from)},"time":${time.text}}`;
      if (placement === "whole") {
        // An object without msg_type, an array, or a scalar: never an envelope.
        return described({ text: value.text, depth: value.depth, forbidden: value.forbidden, shapeOk: false, placement });
      }
      const text = placement === "msg" ? `${head}"msg":${value.text},${tail}` : `${head}"msg":1,${extraKey.text}:${value.text},${tail}`;
      const forbidden = value.forbidden || (placement === "extra" && extraKey.forbidden);
      return described({ text, depth: 1 + value.depth, forbidden, shapeOk: time.finite, placement });
    });
}

/**
 * Gives a frame a short description for fast-check's reports (a counterexample can be 200 KB of text);
 * `FUZZ_SEED` replays it in full.
 */
export function described(frame: HostileFrame): HostileFrame {
  const text = frame.text.length > 160 ? `${frame.text.slice(0, 80)}…(${frame.text.length} chars)…${frame.text.slice(-60)}` : frame.text;
  const summary = `{${frame.placement} depth=${frame.depth} forbidden=${frame.forbidden} shapeOk=${frame.shapeOk} ${JSON.stringify(text)}}`;
  return Object.assign(frame, { [fc.toStringMethod]: () => summary });
}

/** The issue's frame: 4,000 nested arrays around one string, about 8 KB. */
export function issueFrame(inner: string): string {
  return `{"msg_type":"TEST","msg":${"[".repeat(4000)}${inner}${"]".repeat(4000)},"originator":"x","time":0}`;
}
