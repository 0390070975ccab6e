// peerkit nodes and simulated original Python peers in one chat, over real TCP on 127.0.0.1.
import { afterEach, describe, expect, it } from "vitest";
import type { BroadcastEvent, TestEvent } from "../../src/kernel/node-events.js";
import type { PeerNode } from "../../src/node/peer-node.js";
import type { TestPlugin } from "../../src/plugins/test-message.js";
import { DEFAULT_PLUGINS, type NodeConfigInput } from "../../src/kernel/config.js";
import { TcpNodes, waitUntil } from "../integration/tcp-nodes.js";
import { LegacyPeer } from "./legacy-peer.js";

const tcpNodes = new TcpNodes();
/** Every node here speaks legacy: the plugin is off by default. */
const nodes = {
  start: (config: NodeConfigInput = {}) => tcpNodes.start({ plugins: [...DEFAULT_PLUGINS, "legacy"], ...config }),
  shutdown: () => tcpNodes.shutdown(),
  logger: tcpNodes.logger,
};
const legacyPeers: LegacyPeer[] = [];
afterEach(async () => {
  await Promise.all(legacyPeers.splice(0).map((peer) => peer.stop()));
  await nodes.shutdown();
});

async function legacy(id: string): Promise<LegacyPeer> {
  const peer = await new LegacyPeer(id).start();
  legacyPeers.push(peer);
  return peer;
}

function record(node: PeerNode): BroadcastEvent[] {
  const delivered: BroadcastEvent[] = [];
  node.on("broadcast", (event) => delivered.push(event));
  return delivered;
}

const texts = (events: BroadcastEvent[]) => events.map((e) => (e.msg as { text: string }).text);

describe("a peerkit node next to the original Python peers", () => {
  it("is joined by a legacy peer's PING and answers PONG on a new connection to its address", async () => {
    const node = await nodes.start({ id: "pk" });
    const py = await legacy("py");
    py.ping("127.0.0.1", node.address!.port);
    await waitUntil(() => node.peers.find("py")?.connected === true && py.peers.has("pk"), "both to list each other");
    expect(node.peers.find("py")).toMatchObject({ host: "127.0.0.1", port: py.port });
    expect(py.peers.get("pk")).toEqual(["127.0.0.1", node.address!.port]);
    const [pong] = py.receivedOf("PONG");
    expect(typeof pong!.time).toBe("string");
    expect(py.rawReceived.every((text) => !text.endsWith("\n"))).toBe(true);
  });

  it("joins a legacy peer named by a legacy:// bootstrap address", async () => {
    const py = await legacy("py");
    const node = await nodes.start({ id: "pk", bootstrap: [`legacy://127.0.0.1:${py.port}`] as never });
    await waitUntil(() => node.peers.find("py")?.connected === true, "the join");
    expect(py.receivedOf("PING")[0]!.msg).toEqual(["127.0.0.1", node.address!.port]);
  });

  it("exchanges peers with ADVERTISE both ways", async () => {
    const node = await nodes.start({ id: "pk" });
    const other = await nodes.start({ id: "pk-other" });
    const py = await legacy("py");
    const py2 = await legacy("py2");
    await other.join("127.0.0.1", node.address!.port);
    py.ping("127.0.0.1", py2.port);
    await waitUntil(() => py2.peers.has("py"), "py and py2 to be peers");

    // peerkit asks the legacy peer: one ADVERTISE_REPLY per peer arrives, and it PINGs them legacy-style.
    await node.join("127.0.0.1", py.port, { dialect: "legacy" });
    await node.getPeersFrom("py");
    await waitUntil(() => node.peers.find("py2")?.connected === true, "pk to join py2 from py's advertisement");

    // The legacy peer asks peerkit: it PINGs each peer peerkit advertised.
    py2.advertise("pk");
    await waitUntil(() => py2.peers.has("pk-other"), "py2 to learn pk-other from pk");
    await waitUntil(() => other.peers.find("py2")?.connected === true, "pk-other to be joined by py2");
  });

  it("carries chat both ways through a mixed network, each node showing each line once", async () => {
    // py1 — pk1 — pk2 — py2, and py1 — py2 directly: every line has two paths to every node.
    const pk1 = await nodes.start({ id: "pk1" });
    const pk2 = await nodes.start({ id: "pk2" });
    const py1 = await legacy("py1");
    const py2 = await legacy("py2");
    await pk2.join("127.0.0.1", pk1.address!.port);
    py1.ping("127.0.0.1", pk1.address!.port);
    py2.ping("127.0.0.1", pk2.address!.port);
    py1.ping("127.0.0.1", py2.port);
    await waitUntil(() => pk1.peers.has("py1") && pk2.peers.has("py2") && py2.peers.has("py1") && py1.peers.has("py2"), "the topology");
    const at1 = record(pk1);
    const at2 = record(pk2);

    py1.broadcast("from the old world");
    pk1.broadcast({ text: "from the new world", nick: "ann" });
    py2.broadcast("marker");
    pk2.broadcast({ text: "marker 2" });
    await waitUntil(() => texts(at1).includes("marker") && texts(at1).includes("marker 2") || false, "pk1's markers", 10_000);
    await waitUntil(() => texts(at2).includes("marker"), "pk2's marker");
    await waitUntil(() => py1.shown.some((s) => s.text === "marker 2") && py2.shown.some((s) => s.text === "marker 2"), "the legacy markers");

    expect(texts(at1).filter((t) => t === "from the old world")).toHaveLength(1);
    expect(texts(at2).filter((t) => t === "from the old world")).toHaveLength(1);
    expect(texts(at2).filter((t) => t === "from the new world")).toHaveLength(1);
    expect(at1.find((e) => texts([e])[0] === "from the old world")?.originator).toBe("py1");
    expect(py1.shown.filter((s) => s.text === "from the new world")).toEqual([{ originator: "pk1", text: "from the new world" }]);
    expect(py2.shown.filter((s) => s.text === "from the new world")).toHaveLength(1);
    expect(py2.shown.filter((s) => s.text === "from the old world")).toHaveLength(1);
  });

  it("delivers TEST both ways", async () => {
    const node = await nodes.start({ id: "pk" });
    const py = await legacy("py");
    py.ping("127.0.0.1", node.address!.port);
    await waitUntil(() => node.peers.has("py") && py.peers.has("pk"), "the join");
    const tests: TestEvent[] = [];
    node.on("test", (event) => tests.push(event));
    py.test("pk", "probe from python");
    node.plugin<TestPlugin>("test")!.send("py", "probe from peerkit");
    await waitUntil(() => tests.length === 1 && py.receivedOf("TEST").length === 1, "both probes");
    expect(tests[0]).toMatchObject({ originator: "py", msg: "probe from python" });
    expect(py.receivedOf("TEST")[0]).toMatchObject({ originator: "pk", msg: "probe from peerkit" });
  });

  it("refuses to send a legacy peer a message over 2,048 bytes, with a clear log line, and still sends it to peerkit peers", async () => {
    const node = await nodes.start({ id: "pk" });
    const other = await nodes.start({ id: "pk-other" });
    await other.join("127.0.0.1", node.address!.port);
    const py = await legacy("py");
    py.ping("127.0.0.1", node.address!.port);
    await waitUntil(() => node.peers.has("py") && py.peers.has("pk"), "the join");
    const atOther = record(other);
    node.broadcast({ text: "x".repeat(3000) });
    node.broadcast({ text: "short" });
    await waitUntil(() => atOther.length === 2 && py.shown.length === 1, "the short line everywhere");
    expect(py.shown).toEqual([{ originator: "pk", text: "short" }]);
    expect(py.rawReceived.every((text) => Buffer.byteLength(text) <= 2048)).toBe(true);
    expect(nodes.logger.find("ERR_LEGACY_FRAME_TOO_LARGE")?.fields.reason).toMatch(/legacy peers read at most 2048/);
  });

  it("drops a legacy peer that no longer accepts connections", async () => {
    const node = await nodes.start({ id: "pk" });
    const py = await legacy("py");
    py.ping("127.0.0.1", node.address!.port);
    await waitUntil(() => node.peers.has("py"), "the join");
    const gone: string[] = [];
    node.on("peer:disconnect", (peer, reason) => gone.push(`${peer.id}: ${reason}`));
    await py.stop();
    legacyPeers.splice(legacyPeers.indexOf(py), 1);
    node.broadcast({ text: "anyone?" });
    await waitUntil(() => gone.length === 1, "the drop");
    expect(gone[0]).toMatch(/^py: legacy peer unreachable: ECONNREFUSED/);
  });
});
