/**
 * Config validation: the one place an untyped config (a parsed file, command-line flags, the object given
 * to `createNode`) becomes a typed `NodeConfig`. The kernel's fields and the sections the loaded plugins
 * contribute are checked by one schema; every problem is collected, then reported together in one
 * `ConfigInvalidError`; nothing downstream re-checks a field.
 */
import * as v from "valibot";
import { ConfigInvalidError, type ConfigProblem } from "../../base/errors.js";
import type { NodeConfig } from "../config.js";
import type { CoreConfig } from "./core-schema.js";
import { checkCoreRules } from "./core-rules.js";
import { describeValue, isPlainObject } from "./describe-value.js";
import { coreLayerEntries } from "./layer-schema.js";
import { LIMIT_FIELDS } from "./limits-schema.js";
import { problemsOf } from "./problems.js";
import { optionalFields, plainObject } from "./schema-kit.js";
import type { ConfigSection } from "./section.js";

/**
 * Fields renamed since an earlier version, by old path: a config that still uses one is refused with the
 * new name, rather than silently ignored.
 */
const RENAMED_FIELDS: Readonly<Record<string, string>> = Object.freeze({
  // It bounds DIRECT as well as BROADCAST.
  "limits.broadcastTtl": "limits.maxHops",
});

/**
 * The schema of one layer of config (a file, the flags, the `createNode` argument) with these plugin
 * sections: every field optional, `limits` and each section field by field. Also the source of the
 * JSON Schema of `peerkit.config.json`.
 */
export function configLayerSchema(sections: readonly ConfigSection[]) {
  const containers: ReadonlyArray<readonly [string, readonly string[]]> = [
    ["limits", Object.keys(LIMIT_FIELDS)],
    ...sections.map((section) => [section.name, Object.keys(section.fields)] as const),
  ];
  // A field written in the wrong place (`maxPeers` at the top level, `graftTimeoutMs` in limits) is told
  // where it belongs; a renamed field, its new name.
  const belongsElsewhere = (here: string | undefined) => (field: string) => {
    const renamed = RENAMED_FIELDS[here === undefined ? field : `${here}.${field}`];
    if (renamed !== undefined) return renamed;
    const home = containers.find(([name, fields]) => name !== here && fields.includes(field));
    return home && `${home[0]}.${field}`;
  };
  const sectionEntries = Object.fromEntries(
    sections.map((section) => [
      section.name,
      v.optional(
        v.pipe(
          plainObject(optionalFields(section.fields), {
            expected: `an object of ${section.name} settings, e.g. ${section.example}`,
            belongsElsewhere: belongsElsewhere(section.name),
          }),
          v.description(section.description),
        ),
      ),
    ]),
  );
  const { options, baseDir, ...core } = coreLayerEntries(belongsElsewhere("limits"));
  return plainObject(
    { ...core, ...sectionEntries, options, baseDir },
    { expected: "an object of config fields", belongsElsewhere: belongsElsewhere(undefined) },
  );
}

/**
 * Validates `input` and merges it over `base`: every field the input omits (or sets to `undefined`) keeps
 * its value from `base`; `limits` and each plugin section are merged field by field (over the section's
 * defaults) and `options` plugin by plugin. Bootstrap `"host:port"` strings are normalised to
 * `{ host, port }` objects. The result shares no array or object with `base` or `input` except plugin
 * option values and plugin classes. A top-level `"$schema"` (for editors) is ignored.
 *
 * @param source Where the input came from (a file path, `"command-line flags"`, `"the createNode() config"`);
 *   named in the error message.
 * @param sections The plugin sections this node knows (from its plugins); any other top-level field is unknown.
 * @throws ConfigInvalidError listing every wrong, missing or unknown field, not only the first.
 */
export function validateConfig(input: unknown, source: string, base: CoreConfig, sections: readonly ConfigSection[]): NodeConfig {
  const result = v.safeParse(configLayerSchema(sections), withoutSchemaKey(input), { abortPipeEarly: true });
  if (!result.success) throw new ConfigInvalidError(source, problemsOf(result.issues));

  const layer = definedFields(result.output);
  const merged: Record<string, unknown> = {
    ...base,
    plugins: [...base.plugins],
    bootstrap: base.bootstrap.map((peer) => ({ ...peer })),
    limits: { ...base.limits },
    options: { ...base.options },
  };
  const problems: ConfigProblem[] = [];
  for (const [field, value] of Object.entries(layer)) {
    if (field === "limits") merged.limits = { ...base.limits, ...definedFields(value) };
    else if (field === "options") merged.options = { ...base.options, ...(value as object) };
    else merged[field] = value;
  }
  for (const section of sections) {
    const before = (base as Record<string, unknown>)[section.name];
    const settings = { ...section.defaults, ...(isPlainObject(before) ? before : {}), ...definedFields(layer[section.name]) };
    merged[section.name] = settings;
    for (const rule of section.rules ?? []) {
      const breach = rule(settings);
      if (breach) problems.push({ path: `${section.name}.${breach.field}`, expected: breach.expected, received: describeValue(breach.value) });
    }
  }
  const config = merged as NodeConfig;
  problems.unshift(...checkCoreRules(config));
  if (problems.length > 0) throw new ConfigInvalidError(source, problems);
  return config;
}

/** The input without a top-level `"$schema"` string: it points editors at the JSON Schema and is no setting. */
function withoutSchemaKey(input: unknown): unknown {
  if (!isPlainObject(input) || typeof input.$schema !== "string") return input;
  const { $schema: _schema, ...rest } = input;
  return rest;
}

/** The fields of an object that are not `undefined` (a field set to `undefined` counts as absent). */
function definedFields(value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) return {};
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined));
}
