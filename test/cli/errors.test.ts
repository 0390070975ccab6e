import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CliFixture } from "./cli-process.js";

const cli = new CliFixture();
afterEach(() => cli.cleanup(), 30_000);

/** A stack frame line, as V8 prints them. */
const STACK_LINE = /^\s+at /m;

async function dirWithConfig(content: string): Promise<{ dir: string; file: string }> {
  const dir = await cli.tempDir();
  const file = join(dir, "peerkit.config.json");
  await writeFile(file, content);
  return { dir, file };
}

describe("peerkit: errors and usage", { timeout: 60_000 }, () => {
  it("refuses a config file with a wrongly typed field, naming the file and the field, without a stack", async () => {
    const { dir, file } = await dirWithConfig('{"port":"x"}');
    const result = await cli.run(["start", "--json"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(file);
    expect(result.stderr).toMatch(/\bport\b.*integer/);
    expect(result.stderr).toMatch(/^peerkit: [\s\S]*\(ERR_CONFIG_INVALID\)\n$/);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stdout).toBe("");
  });

  it("shows the stack of a bad config only with --debug", async () => {
    const { dir } = await dirWithConfig('{"port":"x"}');
    const result = await cli.run(["start", "--json", "--debug"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ERR_CONFIG_INVALID/);
    expect(result.stderr).toMatch(STACK_LINE);
  });

  it("reads the --config file given, relative to the working directory", async () => {
    const dir = await cli.tempDir();
    await writeFile(join(dir, "custom.json"), '{"limits":{"maxPeers":0}}');
    const result = await cli.run(["start", "--config", "custom.json", "--port", "0"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(join(dir, "custom.json"));
    expect(result.stderr).toContain("limits.maxPeers");
  });

  it("refuses an unknown plugin, naming it, with a stack only with --debug", async () => {
    const plain = await cli.run(["start", "--port", "0", "--plugins", "ping,nope"]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/"nope"/);
    expect(plain.stderr).toMatch(/ERR_UNKNOWN_PLUGIN/);
    expect(plain.stderr).not.toMatch(STACK_LINE);

    const debug = await cli.run(["start", "--port", "0", "--plugins", "nope", "--debug"]);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/"nope"/);
    expect(debug.stderr).toMatch(STACK_LINE);
  });

  it("suggests the flag meant for a mistyped one, with the usage error's code", async () => {
    const result = await cli.run(["start", "--prot", "7001"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^peerkit: Unknown option "--prot"; did you mean "--port"\? \(ERR_USAGE\)$/m);

    const far = await cli.run(["start", "--frobnicate"]);
    expect(far.stderr).not.toMatch(/did you mean/);
  });

  it("suggests the built-in plugin meant for a mistyped name in the config file", async () => {
    const { dir } = await dirWithConfig('{"plugins":["ping","broadcst"]}');
    const result = await cli.run(["start", "--port", "0"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^peerkit: Unknown plugin "broadcst".*; did you mean "broadcast"\?.*\(ERR_UNKNOWN_PLUGIN\)$/m);
  });

  it("reports a --host that is no address as a config error naming the value and a valid form, not as a port to change", async () => {
    const result = await cli.run(["start", "--port", "0", "--host", "127.0.0.300"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/host: expected an IPv4 address such as 127\.0\.0\.1.*, got "127\.0\.0\.300"/);
    expect(result.stderr).toMatch(/\(ERR_CONFIG_INVALID\)/);
    expect(result.stderr).not.toMatch(/another port/);
  });

  it("reports a --port that is not a number as a config error naming port", async () => {
    const result = await cli.run(["start", "--port", "x"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/command-line flags/);
    expect(result.stderr).toMatch(/port: expected an integer/);
    expect(result.stderr).not.toMatch(/NaN/);
  });

  it("reports a port already in use as a listen error", async () => {
    const a = await cli.node();
    const result = await cli.run(["start", "--json", "--host", "127.0.0.1", "--port", String(a.port)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^peerkit: .*\(ERR_\w+\)/m);
    expect(result.stderr).toContain(String(a.port));
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it("exits with code 2 and the usage on an unknown flag or command", async () => {
    const flag = await cli.run(["start", "--frobnicate"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--frobnicate/);
    expect(flag.stderr).toMatch(/Usage: peerkit start/);

    const command = await cli.run(["launch"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/"launch"/);
  });

  it("prints the usage for --help and the version for --version, with exit code 0", async () => {
    const help = await cli.run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: peerkit start/);

    const version = await cli.run(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
