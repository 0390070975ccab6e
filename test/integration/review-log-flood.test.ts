// Review of issue 9 (attacker's view): warn lines a stranger can trigger at will. Every bad frame is a
// warn line ("rejected a frame"), unthrottled: a connection gets limits.maxBadFrames + 1 of them before
// it is closed, and reconnecting is free, so a few bytes from anyone write a ~200-byte warn line each,
// as fast as the attacker can open sockets. The same for a connection that claims a second peer id.
// The throttled warnings (ThrottledWarning) show what is expected: the first, then one per 10 s.
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { frame } from "./raw-peer.js";
import { TcpNodes, waitUntil } from "./tcp-nodes.js";

const nodes = new TcpNodes();
afterEach(async () => {
  await nodes.shutdown();
});

/** Opens a connection, writes `lines`, and resolves once the node has closed it. */
function attack(port: number, lines: string[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    socket.on("data", () => {});
    socket.on("connect", () => socket.write(lines.join("\n") + "\n"));
    socket.on("close", () => resolve());
  });
}

const warnings = () => nodes.logger.entries.filter((e) => e.level === "warn" || e.level === "error");

describe("log lines a stranger can trigger at will", () => {
  it("does not write a warn line per bad frame across reconnecting sockets", async () => {
    const a = await nodes.start({ id: "a" });
    const port = a.address!.port;
    const junk = Array.from({ length: a.config.limits.maxBadFrames + 1 }, () => "x");
    const before = warnings().length;
    for (let i = 0; i < 30; i++) await attack(port, junk);
    await waitUntil(() => a.connections.connections().length === 0, "the attack connections to close");
    // 330 bad frames from 30 connections: a throttled warning writes one, then one per 10 s.
    expect(warnings().length - before).toBeLessThanOrEqual(10);
  });

  it("does not write a warn line per connection that claims a second peer id", async () => {
    const a = await nodes.start({ id: "a" });
    const port = a.address!.port;
    const before = warnings().length;
    for (let i = 0; i < 30; i++) {
      await attack(port, [
        frame("PING", { id: `x${i}`, host: "127.0.0.1", port: 9 }, `x${i}`),
        frame("PING", { id: `y${i}`, host: "127.0.0.1", port: 9 }, `y${i}`),
      ]);
    }
    await waitUntil(() => a.connections.connections().length === 0, "the attack connections to close");
    expect(warnings().length - before).toBeLessThanOrEqual(10);
  });
});
