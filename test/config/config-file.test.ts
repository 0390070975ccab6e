import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, DEFAULT_PLUGINS, DEFAULT_PORT } from "../../src/kernel/config.js";
import { loadConfigFile, resolveNodeConfig } from "../../src/node/config-file.js";
import { ConfigInvalidError, ConfigUnreadableError } from "../../src/base/errors.js";

let dir: string;

beforeEach(async () => {
  // realpath: on macOS the temp dir is a symlink, and cosmiconfig reports resolved paths.
  dir = await realpath(await mkdtemp(path.join(os.tmpdir(), "peerkit-config-")));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, content: string, inDir = dir): Promise<string> {
  const filepath = path.join(inDir, name);
  await writeFile(filepath, content);
  return filepath;
}

/** The error `promise` rejects with. */
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected the promise to reject");
}

describe("loadConfigFile", () => {
  it("finds peerkit.config.json in the cwd", async () => {
    const filepath = await write("peerkit.config.json", '{ "port": 7100 }');
    expect(await loadConfigFile({ cwd: dir })).toEqual({ config: { port: 7100 }, filepath });
  });

  it("finds peerkit.config.yaml in the cwd", async () => {
    const filepath = await write("peerkit.config.yaml", "port: 7100\nbootstrap:\n  - 127.0.0.1:7001\n");
    expect(await loadConfigFile({ cwd: dir })).toEqual({ config: { port: 7100, bootstrap: ["127.0.0.1:7001"] }, filepath });
  });

  it("finds .peerkitrc, read as JSON or YAML", async () => {
    const filepath = await write(".peerkitrc", "nick: alice\n");
    expect(await loadConfigFile({ cwd: dir })).toEqual({ config: { nick: "alice" }, filepath });
  });

  it("finds the peerkit key of package.json", async () => {
    const filepath = await write("package.json", JSON.stringify({ name: "app", peerkit: { port: 7100 } }));
    expect(await loadConfigFile({ cwd: dir })).toEqual({ config: { port: 7100 }, filepath });
  });

  it("skips a package.json without a peerkit key", async () => {
    await write("package.json", JSON.stringify({ name: "app" }));
    const filepath = await write(".peerkitrc.json", '{ "port": 7100 }');
    expect(await loadConfigFile({ cwd: dir })).toEqual({ config: { port: 7100 }, filepath });
  });

  it("finds an ES module config's default export", async () => {
    const filepath = await write("peerkit.config.mjs", "export default { port: 7100 };\n");
    expect(await loadConfigFile({ cwd: dir })).toEqual({ config: { port: 7100 }, filepath });
  });

  it("returns undefined when there is no config file", async () => {
    expect(await loadConfigFile({ cwd: dir })).toBeUndefined();
  });

  it("does not pick up a config in the parent directory", async () => {
    await write("peerkit.config.json", '{ "port": 7100 }');
    const child = path.join(dir, "child");
    await mkdir(child);
    expect(await loadConfigFile({ cwd: child })).toBeUndefined();
  });

  it("reads an empty config file as an empty object", async () => {
    const filepath = await write("peerkit.config.yaml", "");
    expect(await loadConfigFile({ cwd: dir })).toEqual({ config: {}, filepath });
  });

  it("loads exactly the file given as path, relative to the cwd", async () => {
    await write("peerkit.config.json", '{ "port": 7100 }');
    const filepath = await write("other.yaml", "port: 7200\n");
    expect(await loadConfigFile({ cwd: dir, path: "other.yaml" })).toEqual({ config: { port: 7200 }, filepath });
  });

  it("refuses a missing explicit path with ERR_CONFIG_UNREADABLE naming the path", async () => {
    const error = await rejection(loadConfigFile({ cwd: dir, path: "missing.json" }));
    expect(error).toBeInstanceOf(ConfigUnreadableError);
    expect(error.code).toBe("ERR_CONFIG_UNREADABLE");
    expect(error.message).toContain(path.join(dir, "missing.json"));
    expect(error.message).toContain("does not exist");
  });

  it("refuses invalid JSON with ERR_CONFIG_UNREADABLE naming the file and the position", async () => {
    const filepath = await write("peerkit.config.json", '{\n  "port": 7100,\n}\n');
    const error = await rejection(loadConfigFile({ cwd: dir }));
    expect(error.code).toBe("ERR_CONFIG_UNREADABLE");
    expect(error.message).toContain(filepath);
    expect(error.message).toContain("line 3");
  });

  it("refuses invalid YAML with a one-line reason and no code frame", async () => {
    const filepath = await write("peerkit.config.yaml", "port: [1, 2\nhost: x\n");
    const error = await rejection(loadConfigFile({ cwd: dir }));
    expect(error.code).toBe("ERR_CONFIG_UNREADABLE");
    expect(error.message).toContain(filepath);
    expect(error.message).not.toContain("\n");
  });

  it("refuses an ES module config that does not parse, without a stack trace", async () => {
    const filepath = await write("peerkit.config.mjs", "export default { port: ");
    const error = await rejection(loadConfigFile({ cwd: dir }));
    expect(error.code).toBe("ERR_CONFIG_UNREADABLE");
    expect(error.message).toContain(filepath);
    expect(error.message).not.toMatch(/\n\s+at /);
  });

  it("refuses an explicit path with an unsupported extension", async () => {
    await write("peerkit.toml", "port = 1\n");
    const error = await rejection(loadConfigFile({ cwd: dir, path: "peerkit.toml" }));
    expect(error.code).toBe("ERR_CONFIG_UNREADABLE");
    expect(error.message).toContain('".toml"');
  });
});

describe("resolveNodeConfig", () => {
  it("serves the embedded defaults when there is no file, with the cwd as baseDir", async () => {
    const { config, filepath } = await resolveNodeConfig({ cwd: dir });
    expect(filepath).toBeUndefined();
    expect(config).toMatchObject({ host: "127.0.0.1", port: DEFAULT_PORT, plugins: [...DEFAULT_PLUGINS], baseDir: dir });
    expect(config.limits).toEqual(DEFAULT_LIMITS);
  });

  it("applies the file over the defaults", async () => {
    const filepath = await write("peerkit.config.json", '{ "port": 7100, "limits": { "maxPeers": 4 } }');
    const result = await resolveNodeConfig({ cwd: dir });
    expect(result.filepath).toBe(filepath);
    expect(result.config.port).toBe(7100);
    expect(result.config.limits).toEqual({ ...DEFAULT_LIMITS, maxPeers: 4 });
  });

  it("takes baseDir from the config file's directory", async () => {
    const sub = path.join(dir, "conf");
    await mkdir(sub);
    await write("node.json", "{}", sub);
    const { config } = await resolveNodeConfig({ cwd: dir, path: "conf/node.json" });
    expect(config.baseDir).toBe(sub);
  });

  it("resolves a relative baseDir in the file against the file's directory", async () => {
    const sub = path.join(dir, "conf");
    await mkdir(sub);
    await write("node.json", '{ "baseDir": "../plugins" }', sub);
    const { config } = await resolveNodeConfig({ cwd: "/", path: path.join(sub, "node.json") });
    expect(config.baseDir).toBe(path.join(dir, "plugins"));
  });

  it("keeps relative plugin specifiers as written", async () => {
    await write("peerkit.config.json", '{ "plugins": ["ping", "./plugins/greeter.js"] }');
    const { config } = await resolveNodeConfig({ cwd: dir });
    expect(config.plugins).toEqual(["ping", "./plugins/greeter.js"]);
  });

  it("lets overrides beat the file", async () => {
    await write("peerkit.config.json", '{ "port": 7100, "host": "0.0.0.0" }');
    const { config } = await resolveNodeConfig({ cwd: dir, overrides: { port: 7200 } });
    expect(config.port).toBe(7200);
    expect(config.host).toBe("0.0.0.0");
  });

  it("refuses a file with a bad field, naming the file path and the field", async () => {
    const filepath = await write("peerkit.config.yaml", "port: ten\n");
    const error = await rejection(resolveNodeConfig({ cwd: dir }));
    expect(error).toBeInstanceOf(ConfigInvalidError);
    expect(error.code).toBe("ERR_CONFIG_INVALID");
    expect(error.message).toContain(filepath);
    expect((error as ConfigInvalidError).problems).toEqual([
      { path: "port", expected: "an integer from 0 to 65535 (0 picks a free port)", received: '"ten" (a string)' },
    ]);
  });

  it("names package.json's peerkit key as the source of a bad field", async () => {
    await write("package.json", JSON.stringify({ peerkit: { prot: 1 } }));
    const error = await rejection(resolveNodeConfig({ cwd: dir }));
    expect(error.message).toContain(`${path.join(dir, "package.json")} (the "peerkit" key)`);
  });

  it("refuses a bad override naming the command-line flags as the source", async () => {
    const error = await rejection(resolveNodeConfig({ cwd: dir, overrides: { port: -1 } }));
    expect(error.code).toBe("ERR_CONFIG_INVALID");
    expect(error.message).toContain("command-line flags");
  });
});
