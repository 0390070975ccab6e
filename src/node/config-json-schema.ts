/**
 * The JSON Schema of a config file (`peerkit.schema.json`), generated from the same valibot schema that
 * validates it: the kernel's fields and the sections of the built-in plugins (or of the plugins given),
 * with every field's description and default. Editors complete and check `peerkit.config.json` with it
 * through `"$schema"`; `npm run schema` writes it, and a test fails when the committed file is stale.
 */
import { toJsonSchema, type JsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";
import { DEFAULT_LIMITS, defaultConfig } from "../kernel/config.js";
import type { ConfigSection } from "../kernel/config/section.js";
import { configLayerSchema } from "../kernel/config/validate.js";
import { BUILTIN_SECTIONS } from "./config-sections.js";

/** Where the published schema lives, for a config's `"$schema"` (relative to the project, once peerkit is installed). */
export const CONFIG_SCHEMA_PATH = "./node_modules/peerkit/peerkit.schema.json";

/** Limits whose default depends on the machine, so the schema names none. */
const MACHINE_DEPENDENT_LIMITS: readonly string[] = ["maxSockets"];

/**
 * The JSON Schema (draft-07) of a config file with these plugin sections (default: the built-in plugins').
 * Pass the sections of your own plugins too (`[...BUILTIN_SECTIONS, MY_SECTION]`) to cover them.
 */
export function configJsonSchema(sections: readonly ConfigSection[] = BUILTIN_SECTIONS): JsonSchema {
  const schema = toJsonSchema(configLayerSchema(sections), {
    target: "draft-07",
    typeMode: "input",
    errorMode: "throw",
    // `v.check` rules (a nick's characters) have no JSON Schema form; the validator still applies them.
    ignoreActions: ["check"],
    overrideSchema: ({ valibotSchema }) => declaredJsonSchema(valibotSchema),
    // A safe integer is an integer for an editor; its ±2^53 bounds would only be noise.
    overrideAction: ({ valibotAction, jsonSchema }) => {
      if (valibotAction.type !== "safe_integer") return undefined;
      const { minimum: _minimum, maximum: _maximum, ...integer } = jsonSchema;
      return { ...integer, type: "integer" };
    },
  });
  delete schema.required;
  const properties = schema.properties as Record<string, JsonSchema & { properties?: Record<string, JsonSchema> }>;
  const { id: _id, baseDir: _baseDir, options: _options, limits: _limits, ...topDefaults } = defaultConfig();
  setDefaults(properties, topDefaults);
  setDefaults(properties.limits?.properties, DEFAULT_LIMITS, MACHINE_DEPENDENT_LIMITS);
  for (const section of sections) setDefaults(properties[section.name]?.properties, section.defaults);
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "peerkit config",
    description: "A peerkit node's config file (peerkit.config.json, .peerkitrc, or the \"peerkit\" key of package.json).",
    ...schema,
    properties: { $schema: { type: "string", description: "The JSON Schema of this file, for editors: " + CONFIG_SCHEMA_PATH }, ...properties },
  };
}

/** The JSON Schema a schema declares for itself with `withJsonSchema`, if any. */
function declaredJsonSchema(schema: v.GenericSchema): JsonSchema | undefined {
  return (schema as { jsonSchema?: JsonSchema }).jsonSchema;
}

function setDefaults(properties: Record<string, JsonSchema> | undefined, defaults: object, except: readonly string[] = []): void {
  if (!properties) return;
  for (const [field, value] of Object.entries(defaults)) {
    const property = properties[field];
    if (property && !except.includes(field)) properties[field] = { ...property, default: value as JsonSchema["default"] };
  }
}
