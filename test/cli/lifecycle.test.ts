import { afterEach, describe, expect, it } from "vitest";
import { CliFixture, connectedTo } from "./cli-process.js";

const cli = new CliFixture();
afterEach(() => cli.cleanup(), 30_000);

describe("peerkit start: lifecycle", { timeout: 90_000 }, () => {
  it("shuts down with exit code 0 on SIGTERM", async () => {
    const a = await cli.node();
    expect(await a.proc.stop()).toEqual({ code: 0, signal: null });
  });

  it("shuts down with exit code 0 on SIGINT, even when the signal is repeated", async () => {
    const a = await cli.node();
    a.proc.signal("SIGINT");
    a.proc.signal("SIGINT");
    a.proc.signal("SIGTERM");
    expect(await a.proc.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it("shuts down with exit code 0 on /quit, and its peer sees the disconnect", async () => {
    const a = await cli.node();
    const b = await cli.node(["--bootstrap", a.address]);
    await a.proc.waitFor(connectedTo(b.id), "a to see b");

    b.proc.send("/quit");
    expect(await b.proc.waitForExit()).toEqual({ code: 0, signal: null });
    const gone = await a.proc.waitFor((e) => e.event === "peer:disconnect", "a to see b disconnect");
    expect(gone).toMatchObject({ peer: { id: b.id, host: "127.0.0.1", port: b.port }, reason: expect.any(String) });
  });

  it("keeps running after the end of standard input, reachable and stoppable", async () => {
    const a = await cli.node();
    a.proc.endInput();

    const b = await cli.node(["--bootstrap", a.address]);
    await a.proc.waitFor(connectedTo(b.id), "a, whose stdin is closed, to accept b");
    await b.proc.waitFor(connectedTo(a.id), "b to complete its handshake with a");
    b.proc.send("still listening?");
    await a.proc.waitFor((e) => e.event === "broadcast", "a to print b's line after its stdin closed");

    expect(a.proc.exitStatus).toBeUndefined();
    expect(await a.proc.stop()).toEqual({ code: 0, signal: null });
  });

  it("writes only JSON lines to stdout with --json, and its logs to stderr", async () => {
    const a = await cli.node(["--debug"]);
    const b = await cli.node(["--bootstrap", a.address, "--debug"]);
    await a.proc.waitFor(connectedTo(b.id), "a to see b");
    await b.proc.waitFor(connectedTo(a.id), "b to complete its handshake with a");
    b.proc.send("a line");
    b.proc.send("/peers");
    b.proc.send("/nonsense");
    await a.proc.waitFor((e) => e.event === "broadcast", "a to receive the line");
    await b.proc.waitFor((e) => e.event === "error", "b's answer to /nonsense");
    await b.proc.waitFor((e) => e.event === "peers", "b's answer to /peers");
    expect((await b.proc.stop()).code).toBe(0);
    expect((await a.proc.stop()).code).toBe(0);

    for (const node of [a, b]) {
      const lines = node.proc.stdout.split("\n").filter((line) => line !== "");
      expect(lines.length).toBeGreaterThan(1);
      for (const line of lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
      expect(node.proc.nonJsonLines).toEqual([]);
      expect(node.proc.stderr).toMatch(/DEBUG/);
      expect(node.proc.stderr).toMatch(/listening/);
    }
    expect(a.proc.events.map((e) => e.event)).toEqual(expect.arrayContaining(["listening", "peer:connect", "broadcast", "peer:disconnect"]));
  });
});
