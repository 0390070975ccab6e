import { chmod, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CliFixture } from "../cli/cli-process.js";
import { IDENTITY_FILE } from "../../src/secure/identity.js";
import { isPeerId } from "../../src/secure/peer-id.js";
import { parseNetworkKey } from "../../src/secure/network-key.js";

const cli = new CliFixture();
afterEach(() => cli.cleanup(), 30_000);

describe("peerkit id and peerkit network-key", { timeout: 60_000 }, () => {
  it("id --data-dir creates the identity on first use and prints the same id afterwards", async () => {
    const dir = join(await cli.tempDir(), "node-a");
    const first = await cli.run(["id", "--data-dir", dir]);
    expect(first.code).toBe(0);
    const id = first.stdout.trim();
    expect(isPeerId(id)).toBe(true);
    expect(first.stdout).toBe(`${id}\n`);
    expect((await stat(join(dir, IDENTITY_FILE))).mode & 0o777).toBe(0o600);
    const second = await cli.run(["id", "--data-dir", dir]);
    expect(second.stdout).toBe(`${id}\n`);
  });

  it("id refuses a key file others can read, naming the fix; and needs --data-dir", async () => {
    const dir = await cli.tempDir();
    await cli.run(["id", "--data-dir", dir]);
    await chmod(join(dir, IDENTITY_FILE), 0o644);
    const refused = await cli.run(["id", "--data-dir", dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`chmod 600 ${join(dir, IDENTITY_FILE)}`);
    expect(refused.stderr).toContain("(ERR_IDENTITY_KEY)");
    expect(refused.stdout).toBe("");
    const usage = await cli.run(["id"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('"id" needs --data-dir DIR');
    const stray = await cli.run(["id", "--data-dir", dir, "--port", "1"]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('"id" does not take --port');
  });

  it("network-key prints a new 64-hex-character key each time", async () => {
    const a = await cli.run(["network-key"]);
    const b = await cli.run(["network-key"]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(parseNetworkKey(a.stdout)).toHaveLength(32);
    expect(b.stdout).not.toBe(a.stdout);
  });

  it("start --data-dir keeps the node's key, so its id, across restarts: the id `peerkit id` prints", async () => {
    const dir = join(await cli.tempDir(), "node-b");
    const first = await cli.node(["--data-dir", dir]);
    expect(isPeerId(first.id)).toBe(true);
    expect((await first.proc.stop()).code).toBe(0);
    const second = await cli.node(["--data-dir", dir]);
    expect(second.id).toBe(first.id);
    expect((await cli.run(["id", "--data-dir", dir])).stdout).toBe(`${first.id}\n`);
    const other = await cli.node();
    expect(other.id).not.toBe(first.id);
  });

  it("start refuses --id on a secure node, naming --insecure", async () => {
    const result = await cli.run(["start", "--port", "0", "--id", "alice"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/id: expected no id on a secure node.*--insecure/);
    expect(result.stderr).toContain("ERR_CONFIG_INVALID");
  });
});
