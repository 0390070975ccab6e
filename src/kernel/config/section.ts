/**
 * A plugin's config section: the top-level config field a plugin owns (`"broadcast": { ... }`), its
 * fields' schemas, their defaults and the rules between them. A plugin declares it in its metadata,
 * `@plugin({ name, config: MY_SECTION })`; the kernel validates it like its own fields, knowing no plugin.
 */
import type * as v from "valibot";
import type { ConfigInput, FieldEntries, optionalFields } from "./schema-kit.js";

/** The complete, validated settings of a section with these fields. */
export type SectionSettings<TEntries extends FieldEntries> = v.InferOutput<v.ObjectSchema<TEntries, undefined>>;

/**
 * What a config may write in a section with these fields: any of them (or `undefined`), each as its
 * schema accepts it; inferred from the schema `validateConfig` checks the section with.
 */
export type SectionInput<TEntries extends FieldEntries> = ConfigInput<ReturnType<typeof optionalFields<TEntries>>>;

/** A rule between fields of a section that it breaks: the field to fix, what it must be, and its value. */
export interface RuleBreach {
  /** The field to name, within the section (`timeoutMs`). */
  field: string;
  /** What the field must be, in "expected ..." wording. */
  expected: string;
  /** The field's value. */
  value: unknown;
}

/**
 * A rule between the fields of a section, checked on the merged settings (a file may set one field and
 * the command-line flags the other). Returns the breach, or undefined when the settings keep the rule.
 */
// A method's parameter is bivariant, so a section of specific settings is still a `ConfigSection`.
export type SectionRule<TSettings> = { rule(settings: TSettings): RuleBreach | undefined }["rule"];

/** A plugin's config section. Make one with `defineConfigSection`, so its types are inferred. */
export interface ConfigSection<TEntries extends FieldEntries = FieldEntries> {
  /** The top-level config field, e.g. `"broadcast"`; by convention the plugin's name. */
  readonly name: string;
  /** What the section holds, for the JSON Schema and editors: `Settings of the broadcast plugin.` */
  readonly description: string;
  /** Each field's schema, built from the blocks of `schema-kit` (each with its message and description). */
  readonly fields: TEntries;
  /** Every field's default, used where no layer of the config sets it. */
  readonly defaults: Readonly<SectionSettings<TEntries>>;
  /** Rules between fields, checked on the merged settings. */
  readonly rules?: readonly SectionRule<SectionSettings<TEntries>>[];
  /** An example value for the "expected an object ..." message, e.g. `{ "mode": "tree" }`. */
  readonly example: string;
}

/** Declares a config section, checking that its defaults fit its fields. */
export function defineConfigSection<TEntries extends FieldEntries>(section: ConfigSection<TEntries>): ConfigSection<TEntries> {
  return Object.freeze({ ...section, defaults: Object.freeze({ ...section.defaults }) });
}
