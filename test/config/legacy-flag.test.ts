// `legacy` is off by default (issue 9, item 5): `--legacy` or naming it in `plugins` turns it on, and a
// legacy bootstrap peer without it is a config error that says how to fix it.
import { mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseCommandLine, USAGE } from "../../src/cli/args.js";
import { DEFAULT_PLUGINS, defaultConfig } from "../../src/kernel/config.js";
import { resolveNodeConfig } from "../../src/node/config-file.js";
import { validateNodeConfig as validateConfig } from "../../src/node/config-sections.js";
import { createNode } from "../../src/node/create-node.js";
import { ConfigInvalidError } from "../../src/base/errors.js";
import { LegacyPlugin } from "../../src/plugins/index.js";

let dir: string;
beforeEach(async () => {
  dir = await realpath(await mkdtemp(path.join(os.tmpdir(), "peerkit-legacy-flag-")));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configFile(content: object): Promise<void> {
  await writeFile(path.join(dir, "peerkit.config.json"), JSON.stringify(content));
}

/** What `peerkit start ARGS` resolves to, in `dir`. */
async function resolveArgs(...args: string[]) {
  const command = parseCommandLine(["start", ...args]);
  if (command.kind !== "start") throw new Error("expected a start command");
  const { configPath, overrides, addPlugins } = command.options;
  return (await resolveNodeConfig({ cwd: dir, path: configPath, overrides, addPlugins })).config;
}

async function invalid(promise: Promise<unknown>): Promise<ConfigInvalidError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigInvalidError);
  return error as ConfigInvalidError;
}

describe("the legacy plugin is off by default", () => {
  it("is not a default plugin", () => {
    expect(DEFAULT_PLUGINS).not.toContain("legacy");
    expect(defaultConfig().plugins).not.toContain("legacy");
  });

  it("refuses a legacy bootstrap peer without it, naming --legacy and the plugins field", async () => {
    for (const bootstrap of [["legacy://127.0.0.1:5001"], [{ host: "127.0.0.1", port: 5001, legacy: true }]]) {
      const error = await invalid(createNode({ bootstrap: bootstrap as never }));
      expect(error.code).toBe("ERR_CONFIG_INVALID");
      expect(error.problems).toEqual([expect.objectContaining({ path: "bootstrap[0]" })]);
      expect(error.message).toMatch(/--legacy/);
      expect(error.message).toMatch(/"legacy" to the plugins field/);
    }
    expect(() => validateConfig({ bootstrap: ["legacy://127.0.0.1:5001"], plugins: ["ping", "broadcast", LegacyPlugin] }, "test", defaultConfig())).not.toThrow();
  });
});

describe("--legacy", () => {
  it("is a flag of start, in the usage text", () => {
    expect(parseCommandLine(["start", "--legacy"])).toEqual({ kind: "start", options: { overrides: {}, debug: false, json: false, addPlugins: ["legacy"] } });
    expect(USAGE).toMatch(/^ {2}--legacy {2,}\S/m);
  });

  it("appends legacy to the default plugins", async () => {
    expect((await resolveArgs("--legacy")).plugins).toEqual([...DEFAULT_PLUGINS, "legacy"]);
    expect((await resolveArgs()).plugins).toEqual([...DEFAULT_PLUGINS]);
  });

  it("appends legacy to the config file's plugins, and to --plugins, whichever wins", async () => {
    await configFile({ plugins: ["ping", "broadcast"] });
    expect((await resolveArgs("--legacy")).plugins).toEqual(["ping", "broadcast", "legacy"]);
    expect((await resolveArgs("--legacy", "--plugins", "ping,broadcast,test")).plugins).toEqual(["ping", "broadcast", "test", "legacy"]);
  });

  it("does not add legacy twice when the list names it already", async () => {
    await configFile({ plugins: ["ping", "broadcast", "legacy", "test"] });
    expect((await resolveArgs("--legacy")).plugins).toEqual(["ping", "broadcast", "legacy", "test"]);
  });

  it("makes a config file's legacy bootstrap peer valid; without it the error names --legacy", async () => {
    await configFile({ bootstrap: ["legacy://127.0.0.1:5001"] });
    expect((await resolveArgs("--legacy")).bootstrap).toEqual([{ host: "127.0.0.1", port: 5001, legacy: true }]);
    const error = await invalid(resolveArgs());
    expect(error.source).toBe(path.join(dir, "peerkit.config.json"));
    expect(error.message).toMatch(/bootstrap\[0\].*--legacy/);
  });

  it("makes a --bootstrap legacy peer valid", async () => {
    expect((await resolveArgs("--legacy", "--bootstrap", "legacy://127.0.0.1:5001")).plugins).toContain("legacy");
    const error = await invalid(resolveArgs("--bootstrap", "legacy://127.0.0.1:5001"));
    expect(error.source).toBe("command-line flags");
  });
});
