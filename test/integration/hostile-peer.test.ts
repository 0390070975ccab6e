import { afterEach, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import type { BroadcastEvent } from "../../src/kernel/node-events.js";
import { TcpNodes, waitUntil } from "./tcp-nodes.js";
import { closeRawPeers, rawClient } from "./raw-peer.js";

const nodes = new TcpNodes();
afterEach(async () => {
  await closeRawPeers();
  await nodes.shutdown();
});


describe("a node facing a hostile peer", () => {
  it("rejects every kind of junk with a log line naming the reason, and keeps serving its real peers", async () => {
    const a = await nodes.start({ id: "a", limits: { maxBadFrames: 100 } });
    const b = await nodes.start({ id: "b", bootstrap: [{ host: "127.0.0.1", port: a.address!.port }] });
    const delivered: BroadcastEvent[] = [];
    a.on("broadcast", (event) => delivered.push(event));

    const junk = await rawClient(a.address!.port);
    const lines = [
      "not json at all",
      "[1,2,3]",
      '"a string"',
      '{"msg_type":"PING"}',
      '{"msg_type":"PING","msg":{"id":"x","host":"h","port":"nope"},"originator":"x","time":1}',
      '{"msg_type":"TEST","msg":{"__proto__":{"polluted":true}},"originator":"x","time":1}',
      '{"msg_type":"BROADCAST","msg":"x","originator":"x","time":1,"id":"m","ttl":3}',
      randomBytes(512).toString("latin1").replace(/\n/g, ""),
    ];
    junk.socket.write(lines.join("\n") + "\n");
    await waitUntil(() => nodes.logger.entries.filter((e) => e.message.includes("rejected")).length >= lines.length, "every junk line to be rejected");

    b.broadcast({ text: "still here" });
    await waitUntil(() => delivered.length === 1, "b's broadcast to reach a");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(junk.received()).toBe("");
    const c = await nodes.start({ id: "c" });
    await expect(c.join("127.0.0.1", a.address!.port)).resolves.toMatchObject({ id: "a" });
  });

  it("closes a connection that exceeds limits.maxBadFrames, and only that one", async () => {
    const a = await nodes.start({ id: "a", limits: { maxBadFrames: 3 } });
    const b = await nodes.start({ id: "b", bootstrap: [{ host: "127.0.0.1", port: a.address!.port }] });
    const junk = await rawClient(a.address!.port);
    junk.socket.write("x\n".repeat(10));
    await junk.closed;
    expect(nodes.logger.find("maxBadFrames")).toBeDefined();
    expect(a.peers.find("b")?.connected).toBe(true);
  });

  it("cuts off a 4 MiB line without a newline instead of buffering it, and survives", async () => {
    const a = await nodes.start({ id: "a", limits: { maxFrameBytes: 1024 * 1024 } });
    const junk = await rawClient(a.address!.port);
    const chunk = Buffer.alloc(64 * 1024, "a");
    let written = 0;
    while (written < 4 * 1024 * 1024 && !junk.socket.destroyed) {
      if (!junk.socket.write(chunk)) await new Promise((resolve) => junk.socket.once("drain", resolve).once("close", resolve));
      written += chunk.length;
    }
    await junk.closed;
    expect(nodes.logger.find("maxFrameBytes")).toBeDefined();
    const b = await nodes.start({ id: "b" });
    await expect(b.join("127.0.0.1", a.address!.port)).resolves.toMatchObject({ id: "a" });
  });

  it("answers a PING typed by hand, as with nc", async () => {
    const a = await nodes.start({ id: "a" });
    const client = await rawClient(a.address!.port);
    client.socket.write('{"msg_type":"PING","msg":{"id":"nc","host":"127.0.0.1","port":9},"originator":"nc","time":0}\r\n');
    await waitUntil(() => client.received().includes("\n"), "the PONG");
    const pong = JSON.parse(client.received().split("\n")[0]!);
    expect(pong).toMatchObject({ msg_type: "PONG", originator: "a", msg: { id: "a", host: "127.0.0.1", port: a.address!.port } });
  });
});
