/**
 * Building blocks for config schemas (valibot), shared by the kernel's schema and the plugins' sections.
 * Each block carries one message: what the field expects, in the words a problem report uses
 * (`limits.maxPeers: expected a positive integer, got -1`). Validation runs with `abortPipeEarly`, so a
 * field reports one problem, not one per failed check.
 */
import * as v from "valibot";
import { isPlainObject } from "./describe-value.js";
import { nearestName } from "../../base/nearest-name.js";

/** The largest delay `setTimeout` honours; a larger one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A config field's schema, as the blocks below make them. */
export type FieldSchema = v.GenericSchema;

/** The fields of an object schema, by name. */
export type FieldEntries = v.ObjectEntries;

/**
 * What a config layer may write in an object of these fields: the fields' input type as valibot infers it
 * (so it accepts what validation accepts: a field the schema marks optional may be left out or
 * `undefined`), with every array readonly, since validation never changes its input.
 */
export type ConfigInput<TEntries extends FieldEntries> = ReadonlyArrays<v.InferInput<v.ObjectSchema<TEntries, undefined>>>;

/** `T` with every array in it readonly; functions (plugin classes) and `object` as they are. */
type ReadonlyArrays<T> = T extends abstract new (...args: never) => unknown
  ? T
  : T extends (...args: never) => unknown
    ? T
    : T extends readonly (infer TItem)[]
      ? readonly ReadonlyArrays<TItem>[]
      : T extends object
        ? [keyof T] extends [never]
          ? T
          : { [K in keyof T]: ReadonlyArrays<T[K]> }
        : T;

/** What an integer from `min` to `max` is called in a problem report. */
function integerExpected(min: number, max: number | undefined): string {
  if (max !== undefined) return `an integer from ${min} to ${max}`;
  if (min === 0) return "an integer of 0 or more";
  if (min === 1) return "a positive integer";
  return `an integer of ${min} or more`;
}

/**
 * An integer from `min` to `max` (default: the largest safe integer), with its description for editors.
 * `expected` replaces the generated wording ("a positive integer", "an integer from 1 to 255").
 */
export function integerIn(min: number, max: number | undefined, description: string, expected = integerExpected(min, max)) {
  const integer = v.pipe(v.number(expected), v.safeInteger(expected), v.minValue<number, number, string>(min, expected));
  if (max === undefined) return v.pipe(integer, v.description(description));
  return v.pipe(integer, v.maxValue<number, number, string>(max, expected), v.description(description));
}

/** A duration in milliseconds that a timer can wait: an integer from `min` to `MAX_TIMER_MS`. */
export function timerMs(min: number, description: string) {
  return integerIn(min, MAX_TIMER_MS, description);
}

/** A non-empty string. */
export function nonEmptyString(expected: string, description: string) {
  return v.pipe(v.string(expected), v.minLength(1, expected), v.description(description));
}

/** `true` or `false`. */
export function flag(description: string) {
  return v.pipe(v.boolean("a boolean (true or false)"), v.description(description));
}

/**
 * `schema` as the JSON Schema shows it: for a schema that JSON Schema cannot describe (a `v.custom`
 * check, such as "a class decorated with @plugin()"), the JSON values it accepts.
 */
export function withJsonSchema<TSchema extends v.GenericSchema>(schema: TSchema, jsonSchema: Record<string, unknown>): TSchema & { readonly jsonSchema: Record<string, unknown> } {
  return { ...schema, jsonSchema };
}

/** How `plainObject` words its problems. */
export interface ObjectOptions {
  /** What the object is, in "expected ..." wording, e.g. `an object of limits`. */
  expected: string;
  /** For an unknown field, where it belongs instead (e.g. `maxPeers` → `limits.maxPeers`), if anywhere. */
  belongsElsewhere?: (field: string) => string | undefined;
}

/**
 * A plain object with exactly the fields of `entries` (wrap a field in `v.optional` to let it be left out).
 * Arrays, class instances and null are refused as a whole; an unknown field is refused naming the allowed
 * ones and the likely intended one; a missing field is reported with what it expects.
 */
export function plainObject<TEntries extends FieldEntries>(entries: TEntries, options: ObjectOptions) {
  const known = Object.keys(entries);
  const message = (issue: v.StrictObjectIssue): string => {
    const key = issue.path?.at(-1)?.key;
    if (issue.expected === "never") return unknownFieldExpected(String(issue.input), known, options.belongsElsewhere);
    if (typeof key === "string" && Object.hasOwn(entries, key)) return expectedOf(entries[key]!);
    return options.expected;
  };
  return onlyPlainObjects(v.strictObject(entries, message));
}

/**
 * `schema` (an object or record schema), refusing every input that is not a plain object with the schema's
 * own message: valibot's object schemas take arrays and class instances for objects.
 */
export function onlyPlainObjects<TSchema extends v.GenericSchema>(schema: TSchema): TSchema {
  return {
    ...schema,
    "~run"(dataset, config) {
      if (isPlainObject(dataset.value)) return schema["~run"](dataset, config);
      v._addIssue(schema as unknown as Parameters<typeof v._addIssue>[0], "type", dataset, config);
      return dataset as unknown as v.FailureDataset<v.InferIssue<TSchema>>;
    },
  };
}

/**
 * `union`, with each input checked against the one option `pick` chooses (by its type, say), so that a
 * problem is reported where it is (`bootstrap[2].port`), not as "none of the options matched".
 */
export function pickOption<TUnion extends v.UnionSchema<v.UnionOptions, v.ErrorMessage<v.UnionIssue<v.BaseIssue<unknown>>> | undefined>>(
  union: TUnion,
  pick: (value: unknown) => TUnion["options"][number],
): TUnion {
  return {
    ...union,
    "~run"(dataset, config) {
      return pick(dataset.value)["~run"](dataset, config) as ReturnType<TUnion["~run"]>;
    },
  };
}

/** What a field's schema expects, as its message says (`an integer from 1 to 65535`). */
export function expectedOf(schema: v.GenericSchema): string {
  const { message, wrapped } = schema as { message?: unknown; wrapped?: v.GenericSchema };
  if (typeof message === "string") return message;
  if (wrapped) return expectedOf(wrapped);
  return "a value";
}

/** What an unknown field is told: the allowed fields, and where it belongs or which one it likely meant. */
function unknownFieldExpected(field: string, known: readonly string[], belongsElsewhere: ObjectOptions["belongsElsewhere"]): string {
  const elsewhere = belongsElsewhere?.(field);
  const nearest = elsewhere ? undefined : nearestName(field, known);
  const hint = elsewhere ? ` (it belongs in ${elsewhere})` : nearest ? ` (did you mean "${nearest}"?)` : "";
  return `one of the fields ${known.join(", ")}${hint}`;
}

/** The field of a partial section: every field may be left out (or set to `undefined`). */
export function optionalFields<TEntries extends FieldEntries>(entries: TEntries): { [K in keyof TEntries]: v.OptionalSchema<TEntries[K], undefined> } {
  return Object.fromEntries(Object.entries(entries).map(([key, schema]) => [key, v.optional(schema)])) as {
    [K in keyof TEntries]: v.OptionalSchema<TEntries[K], undefined>;
  };
}
