import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { plugin } from "../../src/kernel/decorators.js";
import { loadPlugins, orderPlugins, resolvePlugin } from "../../src/kernel/plugin-loader.js";
import { BUILTIN_PLUGINS } from "../../src/plugins/index.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "plugins");

describe("plugin loading", () => {
  it("resolves built-in names to their classes", async () => {
    const definition = await resolvePlugin("ping", fixtures, BUILTIN_PLUGINS);
    expect(definition.metadata.name).toBe("ping");
  });

  it("imports a plugin module by a path relative to the config's directory", async () => {
    const definition = await resolvePlugin("./echo-plugin.ts", fixtures, BUILTIN_PLUGINS);
    expect(definition.metadata.name).toBe("echo");
  });

  it("refuses an unknown name with ERR_UNKNOWN_PLUGIN listing the built-ins", async () => {
    await expect(resolvePlugin("pnig", fixtures, BUILTIN_PLUGINS)).rejects.toMatchObject({
      code: "ERR_UNKNOWN_PLUGIN",
      message: expect.stringContaining("ping, advertise, broadcast, test"),
    });
  });

  it("refuses the names of Object.prototype's properties as unknown plugins, not as a TypeError", async () => {
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      await expect(resolvePlugin(name, fixtures, BUILTIN_PLUGINS)).rejects.toMatchObject({ code: "ERR_UNKNOWN_PLUGIN", plugin: name });
    }
  });

  it("refuses a missing module path with ERR_UNKNOWN_PLUGIN naming the resolved path", async () => {
    await expect(resolvePlugin("./missing.js", fixtures, BUILTIN_PLUGINS)).rejects.toMatchObject({
      code: "ERR_UNKNOWN_PLUGIN",
      message: expect.stringContaining(join(fixtures, "missing.js")),
    });
  });

  it("refuses a module that exports no plugin class with ERR_PLUGIN_INVALID", async () => {
    await expect(resolvePlugin("./not-a-plugin.ts", fixtures, BUILTIN_PLUGINS)).rejects.toMatchObject({
      code: "ERR_PLUGIN_INVALID",
      message: expect.stringContaining("exports no class decorated with @plugin()"),
    });
  });

  it("reports a module that throws while loading with ERR_PLUGIN_INVALID and its message", async () => {
    await expect(resolvePlugin("./throws-on-import.ts", fixtures, BUILTIN_PLUGINS)).rejects.toMatchObject({
      code: "ERR_PLUGIN_INVALID",
      message: expect.stringContaining("plugin module exploded"),
    });
  });

  it("refuses a class without @plugin()", async () => {
    class Plain {}
    await expect(resolvePlugin(Plain, fixtures, BUILTIN_PLUGINS)).rejects.toMatchObject({ code: "ERR_PLUGIN_INVALID" });
  });

  it("orders plugins so that each starts after its dependencies", async () => {
    const ordered = await loadPlugins(["advertise", "broadcast", "ping"], fixtures, BUILTIN_PLUGINS);
    expect(ordered.map((d) => d.metadata.name)).toEqual(["ping", "advertise", "broadcast"]);
  });

  it("refuses a missing dependency with ERR_PLUGIN_DEPENDENCY naming the fix", async () => {
    await expect(loadPlugins(["advertise"], fixtures, BUILTIN_PLUGINS)).rejects.toMatchObject({
      code: "ERR_PLUGIN_DEPENDENCY",
      message: 'Plugin "advertise" depends on "ping", which is not loaded. Add "ping" to the plugins list.',
    });
  });

  it("refuses two plugins with the same name", async () => {
    await expect(loadPlugins(["ping", "ping"], fixtures, BUILTIN_PLUGINS)).rejects.toMatchObject({ code: "ERR_PLUGIN_DEPENDENCY" });
  });

  it("refuses a dependency cycle, naming it", async () => {
    @plugin({ name: "a", dependencies: ["b"] })
    class A {}
    @plugin({ name: "b", dependencies: ["a"] })
    class B {}
    const definitions = await Promise.all([A, B].map((c) => resolvePlugin(c, fixtures, BUILTIN_PLUGINS)));
    expect(() => orderPlugins(definitions)).toThrow(expect.objectContaining({ code: "ERR_PLUGIN_DEPENDENCY", message: expect.stringContaining("a -> b -> a") }));
  });
});
