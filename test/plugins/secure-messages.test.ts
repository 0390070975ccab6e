// Protocol v2's message security, socket-free: a secure harness whose fake peers hold key pairs.
import { afterEach, describe, expect, it } from "vitest";
import { PluginHarness, type FakePeer } from "../../src/testing/index.js";
import type { BroadcastPlugin } from "../../src/plugins/broadcast.js";
import type { DirectPlugin } from "../../src/plugins/direct.js";
import { createPublicKey } from "node:crypto";
import { peerIdOf } from "../../src/secure/peer-id.js";
import type { Envelope } from "../../src/base/envelope.js";
import type { BroadcastEvent, DirectEvent } from "../../src/kernel/node-events.js";

let harness: PluginHarness;
afterEach(() => harness.shutdown());

async function secureNode(plugins: string[]): Promise<{ bob: FakePeer; carol: FakePeer; broadcasts: BroadcastEvent[]; directs: DirectEvent[] }> {
  harness = await PluginHarness.create({ plugins, secure: true });
  const broadcasts: BroadcastEvent[] = [];
  const directs: DirectEvent[] = [];
  harness.node.on("broadcast", (event) => broadcasts.push(event));
  harness.node.on("direct", (event) => directs.push(event));
  return { bob: await harness.connectPeer("bob"), carol: await harness.connectPeer("carol"), broadcasts, directs };
}

describe("signed broadcasts on a secure node", () => {
  it("delivers a signed broadcast once and relays its signed bytes unchanged, with one hop less", async () => {
    const { bob, carol, broadcasts } = await secureNode(["broadcast"]);
    const sent = bob.deliverSigned("BROADCAST", { text: "meet me on Tuesday" }, { ttl: 5 });
    bob.deliverEnvelope(sent);
    await harness.settle();
    expect(broadcasts.map((e) => [e.id, e.originator, e.msg])).toEqual([[sent.id, bob.id, { text: "meet me on Tuesday" }]]);
    const relayed = carol.receivedOf("BROADCAST");
    expect(relayed).toHaveLength(1);
    expect(relayed[0]!.signature).toEqual(sent.signature);
    expect(relayed[0]!.ttl).toBe(4);
  });

  it("in flood mode drops a copy of an admitted broadcast unparsed (Handlers.known); in tree mode hands it on, for PRUNE", async () => {
    const { bob } = await secureNode(["broadcast"]);
    const sent = bob.deliverSigned("BROADCAST", { text: "once" });
    await harness.settle();
    expect(harness.node.dispatcher.isKnown("BROADCAST", sent.id!, sent.signature!.sig)).toBe(true);
    expect(harness.node.dispatcher.isKnown("BROADCAST", "an id never seen", sent.signature!.sig)).toBe(false);
    await harness.shutdown();
    harness = await PluginHarness.create({ plugins: ["broadcast"], secure: true, config: { broadcast: { mode: "tree" } } });
    const carol = await harness.connectPeer("carol");
    const again = carol.deliverSigned("BROADCAST", { text: "tree" });
    await harness.settle();
    expect(harness.node.dispatcher.isKnown("BROADCAST", again.id!, again.signature!.sig)).toBe(false);
  });

  it("refuses an impersonation, a tampered copy and an unsigned broadcast: nothing delivered or relayed, each a bad frame", async () => {
    const { bob, carol, broadcasts } = await secureNode(["broadcast"]);
    bob.deliverEnvelope(bob.forged("BROADCAST", { text: "I am carol" }, carol.id));
    bob.deliverEnvelope(bob.tampered(bob.signed("BROADCAST", { text: "meet me on Tuesday" })));
    bob.deliver("BROADCAST", { text: "plain v1" }, { id: "m-1", ttl: 3 });
    await harness.settle();
    expect(broadcasts).toEqual([]);
    expect(carol.receivedOf("BROADCAST")).toEqual([]);
    expect(harness.node.plugin<BroadcastPlugin>("broadcast")!.dropped.forged).toBe(2);
    expect(harness.logger.entries.filter((e) => e.message === "rejected a frame" || /rejected/.test(e.message)).length).toBeGreaterThanOrEqual(2);
  });

  it("refuses a replay after its id left the seen-cache, by its sequence number", async () => {
    const { bob, broadcasts } = await secureNode(["broadcast"]);
    const sent = bob.deliverSigned("BROADCAST", { text: "once" });
    await harness.settle();
    const plugin = harness.node.plugin<BroadcastPlugin>("broadcast")!;
    plugin.seen.clear();
    bob.deliverEnvelope(sent);
    await harness.settle();
    expect(broadcasts).toHaveLength(1);
    expect(plugin.dropped.replayed).toBe(1);
  });

  it("signs what the node broadcasts: the id is the hash of the signed bytes", async () => {
    const { bob } = await secureNode(["broadcast"]);
    const id = harness.node.broadcast({ text: "from the node" });
    await harness.settle();
    const [frame] = bob.receivedOf("BROADCAST") as Envelope[];
    expect(frame!.id).toBe(id);
    expect(frame!.originator).toBe(harness.node.id);
    expect(frame!.signature?.text).toContain('"from the node"');
  });
});

describe("one-to-one messages on a secure node", () => {
  it("seals the payload to the recipient: a relay sees only the box, the recipient opens it", async () => {
    const { bob } = await secureNode(["direct"]);
    const sending = harness.node.send(bob.id, { text: "just for bob" });
    await harness.settle();
    const [direct] = bob.receivedOf("DIRECT");
    expect(JSON.stringify(direct)).not.toContain("just for bob");
    expect(bob.open((direct!.msg as { box: string }).box)).toEqual({ from: harness.node.id, msg: { text: "just for bob" } });
    bob.deliverSigned("DIRECT_ACK", { id: direct!.id }, { to: harness.node.id, ttl: 3 });
    await expect(sending).resolves.toBe(direct!.id);
  });

  it("resolves send only on the recipient's own signed ack: a forged or a third party's ack is not delivery", async () => {
    const { bob, carol } = await secureNode(["direct"]);
    const sending = harness.node.send(bob.id, "hello");
    let settled = false;
    void sending.then(() => (settled = true), () => (settled = true));
    await harness.settle();
    const [direct] = bob.receivedOf("DIRECT");
    carol.deliverEnvelope(carol.forged("DIRECT_ACK", { id: direct!.id }, bob.id, { to: harness.node.id }));
    carol.deliverSigned("DIRECT_ACK", { id: direct!.id }, { to: harness.node.id });
    await harness.settle();
    expect(settled).toBe(false);
    bob.deliverSigned("DIRECT_ACK", { id: direct!.id }, { to: harness.node.id });
    await expect(sending).resolves.toBe(direct!.id);
  });

  it("delivers a sealed DIRECT from bob, and refuses a box re-signed by carol as hers", async () => {
    const { bob, carol, directs } = await secureNode(["direct"]);
    const box = bob.sealTo(harness.node.id, { from: bob.id, msg: { text: "from bob" } });
    bob.deliverSigned("DIRECT", box, { to: harness.node.id, ttl: 3 });
    carol.deliverSigned("DIRECT", box, { to: harness.node.id, ttl: 3 });
    await harness.settle();
    expect(directs.map((e) => [e.originator, e.msg])).toEqual([[bob.id, { text: "from bob" }]]);
    expect(bob.receivedOf("DIRECT_ACK")).toHaveLength(1);
    expect(carol.receivedOf("DIRECT_ACK")).toEqual([]);
  });

  it("refuses at once a send to an id that is not key-derived", async () => {
    await secureNode(["direct"]);
    await expect(harness.node.send("bob", "x")).rejects.toMatchObject({ code: "ERR_UNDELIVERED", message: expect.stringContaining("key-derived") });
  });
});

describe("what a relay cannot check is never charged to the relay", () => {
  it("a DIRECT signed by carol whose box does not open is dropped and counted; bob, who relayed it, stays connected", async () => {
    const { bob, carol, directs } = await secureNode(["direct"]);
    for (let i = 0; i < 15; i++) bob.deliverEnvelope(carol.signed("DIRECT", { box: "AAAA" }, { to: harness.node.id, ttl: 3 }));
    await harness.settle();
    expect(directs).toEqual([]);
    expect(bob.closed).toBe(false);
    expect(harness.node.plugin<DirectPlugin>("direct")!.undeliverable).toBe(15);
  });
});

describe("keys of small order", () => {
  it("the identity point's id signs nothing: a signature anyone can make is refused", async () => {
    const { bob, broadcasts } = await secureNode(["broadcast"]);
    const raw = Buffer.alloc(32);
    raw[0] = 1; // the neutral point: R = neutral, S = 0 "verifies" any message under it
    const id = peerIdOf(createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" }));
    const text = JSON.stringify({ msg_type: "BROADCAST", originator: id, time: harness.clock.now(), seq: 1, msg: { text: "anyone can sign this" } });
    const sig = Buffer.concat([raw, Buffer.alloc(32)]).toString("base64url");
    bob.deliverRaw(JSON.stringify({ msg_type: "BROADCAST", ttl: 3, sig, signed: text }));
    await harness.settle();
    expect(broadcasts).toEqual([]);
    expect(harness.node.plugin<BroadcastPlugin>("broadcast")!.dropped.forged).toBe(1);
  });
});
