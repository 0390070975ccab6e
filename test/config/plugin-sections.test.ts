import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "tsyringe";
import * as v from "valibot";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigInvalidError } from "../../src/base/errors.js";
import { defaultConfig, type NodeConfig, type NodeConfigInput } from "../../src/kernel/config.js";
import { timerMs } from "../../src/kernel/config/schema-kit.js";
import { defineConfigSection } from "../../src/kernel/config/section.js";
import { validateConfig } from "../../src/kernel/config/validate.js";
import { plugin } from "../../src/kernel/decorators.js";
import { TOKENS } from "../../src/kernel/tokens.js";
import { validateNodeConfig } from "../../src/node/config-sections.js";
import { createNode } from "../../src/node/create-node.js";
import type { PeerNode } from "../../src/node/peer-node.js";
import { MemoryLogger, MemoryNetwork, MemoryTransport } from "../../src/testing/index.js";

/** A third party's plugin section: a greeting and how often it is said. */
const GREETER_SECTION = defineConfigSection({
  name: "greeter",
  description: "Settings of the greeter plugin.",
  example: '{ "greeting": "hello" }',
  fields: {
    greeting: v.pipe(v.string("a string"), v.minLength(1, "a string"), v.description("What the greeter says.")),
    everyMs: timerMs(1, "How often it says it."),
    quietMs: timerMs(0, "How long it keeps quiet after a reply."),
  },
  defaults: { greeting: "hello", everyMs: 1000, quietMs: 0 },
  rules: [({ everyMs, quietMs }) => (quietMs >= everyMs ? { field: "quietMs", expected: `less than greeter.everyMs (${everyMs})`, value: quietMs } : undefined)],
});

@plugin({ name: "greeter", config: GREETER_SECTION })
class GreeterPlugin {
  constructor(@inject(TOKENS.Config) readonly config: NodeConfig) {}
}

const nodes: PeerNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.shutdown()));
});

async function memoryNode(config: Record<string, unknown>): Promise<PeerNode> {
  const node = await createNode(
    { host: "memory", port: 0, ...config } as NodeConfigInput,
    { transport: new MemoryTransport({ network: new MemoryNetwork() }), logger: new MemoryLogger() },
  );
  nodes.push(node);
  return node;
}

async function configError(config: Record<string, unknown>): Promise<ConfigInvalidError> {
  const error: unknown = await memoryNode(config).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigInvalidError);
  return error as ConfigInvalidError;
}

describe("plugin config sections", () => {
  it("validates a loaded plugin's section and gives it the merged settings", async () => {
    const node = await memoryNode({ plugins: ["ping", GreeterPlugin], greeter: { greeting: "hi" } });
    const greeter = node.plugin<GreeterPlugin>("greeter")!;
    expect((greeter.config as unknown as Record<string, unknown>).greeter).toEqual({ greeting: "hi", everyMs: 1000, quietMs: 0 });
  });

  it("fills a loaded plugin's section with its defaults when the config has none", async () => {
    const node = await memoryNode({ plugins: [GreeterPlugin] });
    expect((node.config as unknown as Record<string, unknown>).greeter).toEqual(GREETER_SECTION.defaults);
  });

  it("reports a section's problems with the kernel's, all at once, naming the source", async () => {
    const error = await configError({ port: -1, plugins: [GreeterPlugin], greeter: { greeting: "", evryMs: 5 } });
    expect(error.source).toBe("the createNode() config");
    expect(error.problems.map((p) => p.path)).toEqual(["port", "greeter.greeting", "greeter.evryMs"]);
    expect(error.problems[2]!.expected).toContain('did you mean "everyMs"?');
  });

  it("checks a section's rules on the merged settings", async () => {
    const error = await configError({ plugins: [GreeterPlugin], greeter: { everyMs: 100, quietMs: 100 } });
    expect(error.message).toContain("greeter.quietMs: expected less than greeter.everyMs (100), got 100");
  });

  it("refuses the section of a plugin that is not loaded and not built in, as an unknown field", async () => {
    const error = await configError({ plugins: ["ping"], greeter: { greeting: "hi" } });
    expect(error.problems).toMatchObject([{ path: "greeter", received: "an unknown field" }]);
  });

  it("still validates, and keeps, a built-in plugin's section when that plugin is not loaded", async () => {
    const node = await memoryNode({ plugins: ["ping"], broadcast: { mode: "tree" } });
    expect(node.config.broadcast.mode).toBe("tree");
    const error = await configError({ plugins: ["ping"], broadcast: { mode: "gossip" } });
    expect(error.problems).toMatchObject([{ path: "broadcast.mode", expected: '"flood" or "tree"' }]);
  });

  it("lets a loaded plugin's section replace a built-in section of the same name", () => {
    const other = defineConfigSection({ ...GREETER_SECTION, name: "broadcast" });
    const config = validateNodeConfig({ broadcast: { greeting: "hi" } }, "test", defaultConfig(), [other]);
    expect((config as unknown as Record<string, unknown>).broadcast).toEqual({ greeting: "hi", everyMs: 1000, quietMs: 0 });
  });
});

describe("the kernel's validation knows no plugin", () => {
  it("takes the sections it checks from its caller: without them, broadcast is an unknown field", () => {
    expect(() => validateConfig({ broadcast: { mode: "tree" } }, "test", defaultConfig(), [])).toThrow(/broadcast: expected one of the fields/);
    expect(validateConfig({ greeter: { greeting: "hey" } }, "test", defaultConfig(), [GREETER_SECTION])).toMatchObject({ greeter: { greeting: "hey" } });
  });

  it("imports nothing from src/plugins (src/kernel, all of it)", () => {
    const kernel = fileURLToPath(new URL("../../src/kernel/", import.meta.url));
    const files = readdirSync(kernel, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".ts"));
    const offenders = files.filter((file) => /from "(\.\.\/)+plugins\//.test(readFileSync(join(kernel, file), "utf8")));
    expect(offenders).toEqual([]);
  });
});

describe("a field in the wrong place is told where it belongs", () => {
  const problemOf = (input: Record<string, unknown>) => {
    try {
      validateNodeConfig(input, "test", defaultConfig());
    } catch (error) {
      if (error instanceof ConfigInvalidError) return error.problems;
      throw error;
    }
    throw new Error("expected ConfigInvalidError");
  };

  it.each([
    [{ intervalMs: 1000 }, "intervalMs", "keepalive.intervalMs"],
    [{ limits: { intervalMs: 1000 } }, "limits.intervalMs", "keepalive.intervalMs"],
    [{ limits: { mode: "tree" } }, "limits.mode", "broadcast.mode"],
    [{ broadcast: { seenCacheSize: 10 } }, "broadcast.seenCacheSize", "limits.seenCacheSize"],
    [{ keepalive: { graftRetryMs: 10 } }, "keepalive.graftRetryMs", "broadcast.graftRetryMs"],
  ])("%j: %s belongs in %s", (input, path, home) => {
    expect(problemOf(input)).toMatchObject([{ path, expected: expect.stringContaining(`(it belongs in ${home})`) as unknown, received: "an unknown field" }]);
  });
});

describe("NodeConfigInput, the schema's input type", () => {
  it("accepts what the runtime accepts: host:port strings, partial sections and limits", () => {
    const input: NodeConfigInput = {
      bootstrap: ["127.0.0.1:7001", "legacy://10.0.0.1:5001", { host: "::1", port: 7002 }],
      plugins: ["ping", GreeterPlugin],
      broadcast: { mode: "tree" },
      keepalive: { intervalMs: 1000 },
      limits: { maxPeers: 4 },
    };
    // @ts-expect-error a mode the schema does not allow
    const wrong: NodeConfigInput = { broadcast: { mode: "gossip" } };
    expect(validateNodeConfig({ ...input, plugins: ["ping", "legacy"] }, "test", defaultConfig()).bootstrap).toEqual([
      { host: "127.0.0.1", port: 7001 },
      { host: "10.0.0.1", port: 5001, legacy: true },
      { host: "::1", port: 7002 },
    ]);
    expect(wrong).toBeDefined();
  });
});
