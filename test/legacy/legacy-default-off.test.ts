// Issue 9, item 5: a node started with the default config does not speak the legacy dialect at all.
import { afterEach, describe, expect, it } from "vitest";
import { TcpNodes } from "../integration/tcp-nodes.js";
import { legacyMessage, Recorder, sendOneShot } from "./raw-legacy.js";

const nodes = new TcpNodes();
let victim: Recorder | undefined;
afterEach(async () => {
  await nodes.shutdown();
  await victim?.stop();
  victim = undefined;
});

describe("a node with the default plugins", () => {
  it("does not load the legacy plugin", async () => {
    const node = await nodes.start({ id: "a" });
    expect(node.pluginNames).not.toContain("legacy");
    expect(node.plugin("legacy")).toBeUndefined();
  });

  it("reads a legacy PING as a bad frame: no peer, no link, no connection to the address it names", async () => {
    const node = await nodes.start({ id: "a" });
    victim = await new Recorder().start();
    const logged = nodes.logger.entries.length;
    await sendOneShot(node.address!.port, legacyMessage("PING", ["127.0.0.1", victim.port], "py"));
    await sendOneShot(node.address!.port, legacyMessage("BROADCAST", "hello", "py"));

    expect(node.peers.has("py")).toBe(false);
    expect(node.connections.connections().filter((c) => c.dialect === "legacy")).toEqual([]);
    // A legacy ctime() `time` is no peerkit envelope: each was a rejected frame.
    expect(nodes.logger.entries.slice(logged).filter((e) => e.message === "rejected a frame")).toHaveLength(2);
    expect(victim.accepted).toBe(0);
  });

  it("refuses to dial a legacy peer", async () => {
    const node = await nodes.start({ id: "a" });
    victim = await new Recorder().start();
    await expect(node.join("127.0.0.1", victim.port, { dialect: "legacy" })).rejects.toMatchObject({ code: "ERR_PLUGIN_NOT_LOADED" });
    expect(victim.accepted).toBe(0);
  });
});
