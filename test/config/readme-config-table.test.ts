import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configJsonSchema } from "../../src/node/config-json-schema.js";

/** The README's "Config file" section, up to the next section of the same level. */
function configSection(): string {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const start = readme.indexOf("\n## Config file\n");
  const end = readme.indexOf("\n## ", start + 1);
  expect(start, 'the README has a "## Config file" section').toBeGreaterThan(0);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** The field names of the first column of the section's table: `| \`limits.maxPeers\` | ...`. */
function tableFields(): string[] {
  return [...configSection().matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]!);
}

/** Every field of the config's JSON Schema: top-level ones, and `section.field` for each object section. */
function schemaFields(): string[] {
  const fields: string[] = [];
  const properties = (configJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }> }).properties;
  for (const [name, schema] of Object.entries(properties)) {
    if (schema.properties) for (const field of Object.keys(schema.properties)) fields.push(`${name}.${field}`);
    // `options` is keyed by plugin name: the README writes it `options.<plugin>`.
    else fields.push(name === "options" ? "options.<plugin>" : name);
  }
  return fields;
}

describe('the README\'s "Config file" table', () => {
  it("lists every field of the config schema, baseDir included", () => {
    const table = new Set(tableFields());
    expect(schemaFields().filter((field) => !table.has(field))).toEqual([]);
    expect(table.has("baseDir")).toBe(true);
  });

  it("lists no field the schema does not have", () => {
    const schema = new Set(schemaFields());
    expect(tableFields().filter((field) => !schema.has(field))).toEqual([]);
  });
});
