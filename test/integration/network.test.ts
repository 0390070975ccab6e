import { afterEach, describe, expect, it } from "vitest";
import type { BroadcastEvent } from "../../src/kernel/node-events.js";
import type { PeerNode } from "../../src/node/peer-node.js";
import { TcpNodes, waitUntil } from "./tcp-nodes.js";

const nodes = new TcpNodes();
afterEach(() => nodes.shutdown());

function record(node: PeerNode): BroadcastEvent[] {
  const delivered: BroadcastEvent[] = [];
  node.on("broadcast", (event) => delivered.push(event));
  return delivered;
}

describe("a network of real nodes over TCP", () => {
  it("join() connects two nodes, both list each other, with the listening address advertised", async () => {
    const a = await nodes.start({ id: "a" });
    const b = await nodes.start({ id: "b" });
    const peer = await b.join("127.0.0.1", a.address!.port);
    expect(peer).toEqual({ id: "a", host: "127.0.0.1", port: a.address!.port });
    await waitUntil(() => a.peers.find("b")?.connected === true, "a to list b");
    expect(a.peers.find("b")).toMatchObject({ host: "127.0.0.1", port: b.address!.port });
  });

  it("one broadcast in a 5-node network reaches every other node exactly once", async () => {
    // A ring with a chord: several paths between most pairs, so duplicates are really offered.
    const all: PeerNode[] = [];
    for (const id of ["n0", "n1", "n2", "n3", "n4"]) all.push(await nodes.start({ id }));
    const links: Array<[number, number]> = [[0, 1], [1, 2], [2, 3], [3, 4], [4, 0], [0, 2]];
    for (const [from, to] of links) await all[from]!.join("127.0.0.1", all[to]!.address!.port);
    const delivered = all.map(record);
    const id = all[0]!.broadcast({ text: "hello, everyone" });
    const marker = all[3]!.broadcast({ text: "marker" });
    await waitUntil(() => delivered.every((list, i) => i === 3 || list.some((e) => e.id === marker)), "the marker everywhere");
    await waitUntil(() => delivered.every((list, i) => i === 0 || list.some((e) => e.id === id)), "the broadcast everywhere");
    delivered.forEach((list, i) => {
      expect(list.filter((e) => e.id === id)).toHaveLength(i === 0 ? 0 : 1);
    });
    expect(delivered[1]!.find((e) => e.id === id)).toMatchObject({ originator: "n0", msg: { text: "hello, everyone" } });
  });

  it("bootstrap from config joins the peer and learns its peers by ADVERTISE", async () => {
    const a = await nodes.start({ id: "a" });
    const b = await nodes.start({ id: "b", bootstrap: [{ host: "127.0.0.1", port: a.address!.port }] });
    const c = await nodes.start({ id: "c", bootstrap: [{ host: "127.0.0.1", port: b.address!.port }] });
    await waitUntil(() => c.peers.find("a")?.connected === true, "c to connect to a through b's advertisement");
    expect(c.peers.connected().map((p) => p.id).sort()).toEqual(["a", "b"]);
    await waitUntil(() => a.peers.connectedCount() === 2, "a to have two peers");
  });

  it("getPeersFrom() connects to the peers another node advertises", async () => {
    const a = await nodes.start({ id: "a" });
    const b = await nodes.start({ id: "b" });
    const c = await nodes.start({ id: "c" });
    await b.join("127.0.0.1", a.address!.port);
    await c.join("127.0.0.1", b.address!.port);
    const learned = await c.getPeersFrom("b");
    expect(learned).toEqual([{ id: "a", host: "127.0.0.1", port: a.address!.port }]);
  });

  it("two nodes dialling each other at once end with one connection, on both sides", async () => {
    const a = await nodes.start({ id: "a" });
    const b = await nodes.start({ id: "b" });
    const [fromA, fromB] = await Promise.all([a.join("127.0.0.1", b.address!.port), b.join("127.0.0.1", a.address!.port)]);
    expect(fromA.id).toBe("b");
    expect(fromB.id).toBe("a");
    await waitUntil(
      () => a.connections.connections().length === 1 && b.connections.connections().length === 1,
      "the duplicate connection to close",
    );
    expect(a.connections.connectionOf("b")).toBeDefined();
    const delivered = record(b);
    a.broadcast("over the surviving connection");
    await waitUntil(() => delivered.length === 1, "the broadcast to arrive");
  });

  it("a peer that shuts down is reported by peer:disconnect and removed from the table", async () => {
    const a = await nodes.start({ id: "a" });
    const b = await nodes.start({ id: "b" });
    const gone: string[] = [];
    a.on("peer:disconnect", (peer) => gone.push(peer.id));
    await b.join("127.0.0.1", a.address!.port);
    await waitUntil(() => a.peers.has("b"), "a to list b");
    await b.shutdown();
    await waitUntil(() => gone.includes("b"), "peer:disconnect for b");
    expect(a.peers.has("b")).toBe(false);
  });

  it("join() to a port where nobody listens rejects with ERR_DIAL_FAILED", async () => {
    const a = await nodes.start({ id: "a" });
    const b = await nodes.start({ id: "b" });
    const port = b.address!.port;
    await b.shutdown();
    await expect(a.join("127.0.0.1", port)).rejects.toMatchObject({ code: "ERR_DIAL_FAILED" });
  });

  it("join() to its own address rejects with ERR_SELF_DIAL", async () => {
    const a = await nodes.start({ id: "a" });
    await expect(a.join("127.0.0.1", a.address!.port)).rejects.toMatchObject({ code: "ERR_SELF_DIAL" });
  });

  it("a second node on a port in use fails to start with ERR_LISTEN and leaves nothing open", async () => {
    const a = await nodes.start({ id: "a" });
    await expect(nodes.start({ id: "b", port: a.address!.port })).rejects.toMatchObject({ code: "ERR_LISTEN" });
  });
});
