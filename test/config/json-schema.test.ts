import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { configJsonSchema } from "../../src/node/config-json-schema.js";
import { BUILTIN_SECTIONS, validateNodeConfig } from "../../src/node/config-sections.js";
import { defaultConfig } from "../../src/kernel/config.js";

const root = new URL("../../", import.meta.url);
const read = (file: string): unknown => JSON.parse(readFileSync(fileURLToPath(new URL(file, root)), "utf8"));

describe("peerkit.schema.json", () => {
  it("is the schema generated from the current config schema (if not: npm run schema, and commit it)", () => {
    expect(read("peerkit.schema.json")).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });

  it("is shipped in the package", () => {
    expect((read("package.json") as { files: string[] }).files).toContain("peerkit.schema.json");
  });

  it("covers every kernel field and the built-in plugins' sections, refusing unknown fields", () => {
    const schema = configJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }>; additionalProperties: unknown };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["$schema", "id", "host", "port", "plugins", "bootstrap", "limits", "broadcast", "keepalive", "options", "baseDir"]),
    );
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.broadcast!.properties!.mode).toMatchObject({ enum: ["flood", "tree"], default: "flood" });
    expect(schema.properties.keepalive!.properties!.intervalMs).toMatchObject({ type: "integer", minimum: 1, default: 5000 });
    expect(schema.properties.limits!.properties!.maxPeers).toMatchObject({ type: "integer", minimum: 1, default: 32 });
  });

  it("names no machine-dependent default (maxSockets follows the open-files limit)", () => {
    const schema = configJsonSchema() as { properties: { limits: { properties: Record<string, object> } } };
    expect(schema.properties.limits.properties.maxSockets).not.toHaveProperty("default");
  });

  it("covers the sections of other plugins when given them", () => {
    const schema = configJsonSchema(BUILTIN_SECTIONS.filter((section) => section.name !== "broadcast")) as { properties: object };
    expect(schema.properties).not.toHaveProperty("broadcast");
  });

  it("lets a config point at it with $schema, which validation ignores", () => {
    const config = validateNodeConfig({ $schema: "./node_modules/peerkit/peerkit.schema.json", port: 7100 }, "peerkit.config.json", defaultConfig());
    expect(config.port).toBe(7100);
    expect(config).not.toHaveProperty("$schema");
  });
});
