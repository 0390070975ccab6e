// Attacks on a node's identity table and its slots, performed on real sockets (issue 9, items 3, 4, 8).
import { afterEach, describe, expect, it } from "vitest";
import { connect, type Socket } from "node:net";
import type { DirectEvent } from "../../src/kernel/node-events.js";
import type { PeerNode } from "../../src/node/peer-node.js";
import { TcpNodes, waitUntil } from "./tcp-nodes.js";

const nodes = new TcpNodes();
const sockets: Socket[] = [];
let stopReopening = false;
afterEach(async () => {
  stopReopening = true;
  for (const socket of sockets.splice(0)) socket.destroy();
  await nodes.shutdown();
  stopReopening = false;
});

interface Raw {
  socket: Socket;
  closed: Promise<void>;
  isClosed(): boolean;
  send(frame: object): void;
}

/** A raw TCP client, from `localAddress` (any 127.x address) when given. */
function raw(port: number, localAddress?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, ...(localAddress ? { localAddress } : {}) });
    sockets.push(socket);
    let isClosed = false;
    const closed = new Promise<void>((done) =>
      socket.once("close", () => {
        isClosed = true;
        done();
      }),
    );
    socket.on("error", () => {});
    // Flowing, so that the node's FIN is read and "close" follows.
    socket.resume();
    socket.once("connect", () =>
      resolve({ socket, closed, isClosed: () => isClosed, send: (frame) => void socket.write(JSON.stringify(frame) + "\n") }),
    );
    socket.once("error", reject);
  });
}

function ping(id: string, port = 9): object {
  return { msg_type: "PING", msg: { id, host: "127.0.0.1", port }, originator: id, time: Date.now() };
}

function portOf(node: PeerNode): number {
  return node.address!.port;
}

describe("one connection is one peer, and a live peer keeps its connection", () => {
  it("drops every id a connection claimed when it closes: 32 PINGs under 32 ids leave no ghost peer", async () => {
    const a = await nodes.start({ id: "a" });
    const attacker = await raw(portOf(a));
    for (let i = 0; i < 32; i++) attacker.send(ping(`ghost-${i}`));
    await attacker.closed;
    expect(nodes.logger.find("one connection is one peer")).toBeDefined();
    await waitUntil(() => a.peers.connectedCount() === 0, "no ghost peer to remain");
    const honest = await nodes.start({ id: "honest" });
    await expect(honest.join("127.0.0.1", portOf(a))).resolves.toMatchObject({ id: "a" });
  });

  it("refuses a stranger claiming a connected peer's id: the peer keeps its connection and its private messages", async () => {
    // "b" < "z": on a race rule alone, a connection dialled by "b" would be preferred to z's own dial.
    const z = await nodes.start({ id: "z" });
    const b = await nodes.start({ id: "b" });
    await z.join("127.0.0.1", portOf(b));
    const original = z.connections.connectionOf("b");
    expect(original).toBeDefined();

    const attacker = await raw(portOf(z));
    const received: string[] = [];
    attacker.socket.on("data", (chunk) => received.push(chunk.toString("utf8")));
    attacker.send(ping("b", portOf(b)));
    await attacker.closed;

    expect(z.connections.connectionOf("b")).toBe(original);
    expect(original!.closed).toBe(false);
    const direct: DirectEvent[] = [];
    b.on("direct", (event) => direct.push(event));
    await z.send("b", { text: "for b only" });
    expect(direct.map((event) => event.msg)).toEqual([{ text: "for b only" }]);
    expect(received.join("")).not.toContain("for b only");
  });

  it("does not lock a peer out after a squatter claimed its id and left, even one that switched ids", async () => {
    const a = await nodes.start({ id: "a" });
    const squatter = await raw(portOf(a));
    squatter.send(ping("owner"));
    await waitUntil(() => a.peers.find("owner")?.connected === true, "the squatter to hold the id");
    squatter.send(ping("someone-else"));
    await squatter.closed;
    await waitUntil(() => a.peers.connectedCount() === 0, "the squatter's ids to be gone");
    const owner = await nodes.start({ id: "owner" });
    await expect(owner.join("127.0.0.1", portOf(a))).resolves.toMatchObject({ id: "a" });
    expect(a.peers.find("owner")?.connected).toBe(true);
  });

  it("still settles two nodes dialling each other at once on one connection", async () => {
    for (let round = 0; round < 5; round++) {
      const a = await nodes.start({ id: `a${round}` });
      const b = await nodes.start({ id: `b${round}` });
      await Promise.allSettled([a.join("127.0.0.1", portOf(b)), b.join("127.0.0.1", portOf(a))]);
      await waitUntil(
        () => a.connections.connections().length === 1 && b.connections.connections().length === 1,
        "one connection left on each side",
      );
      expect(a.peers.find(b.id)?.connected).toBe(true);
      expect(b.peers.find(a.id)?.connected).toBe(true);
    }
  });
});

describe("slots: idle sockets and one-address floods never keep an honest peer out", () => {
  it("lets an honest peer complete PING/PONG within 2 s while 1,000 idle sockets keep (re)connecting from its own address", async () => {
    const a = await nodes.start({ id: "a" });
    const port = portOf(a);
    let opened = 0;
    const open = async (): Promise<void> => {
      if (stopReopening || opened >= 5_000) return;
      opened++;
      const idle = await raw(port).catch(() => undefined);
      // An attacker re-opens each socket the node closes, for as long as the test lasts.
      void idle?.closed.then(open);
    };
    await Promise.all(Array.from({ length: 1_000 }, open));

    // The honest node gives the whole handshake 2 s (limits.requestTimeoutMs): join fails past that.
    const honest = await nodes.start({ id: "honest", limits: { requestTimeoutMs: 2_000 } });
    await expect(honest.join("127.0.0.1", portOf(a))).resolves.toMatchObject({ id: "a" });
    expect(a.connections.connections().length).toBeLessThanOrEqual(a.config.limits.maxPendingConnections + 1);
    expect(nodes.logger.find("limits.maxPendingPerAddress")).toBeDefined();
  });

  it("keeps 300 handshakes from one address to limits.maxInboundPeersPerAddress, and its own dials apart from inbound floods", async () => {
    const a = await nodes.start({ id: "a" });
    const { maxInboundPeers, maxInboundPeersPerAddress, maxPeers } = a.config.limits;
    const flood: Raw[] = [];
    for (let i = 0; i < 300; i++) {
      const socket = await raw(portOf(a), "127.0.0.2");
      socket.send(ping(`flood-${i}`));
      flood.push(socket);
    }
    await waitUntil(() => flood.filter((s) => s.isClosed()).length === 300 - maxInboundPeersPerAddress, "the flood past the cap to be refused");
    expect(a.peers.connectedCount()).toBe(maxInboundPeersPerAddress);
    expect(nodes.logger.find("limits.maxInboundPeersPerAddress")).toBeDefined();

    // Inbound peers from many addresses fill the inbound slots, and no more.
    const spread: Raw[] = [];
    for (let i = 0; i < maxInboundPeers; i++) {
      const socket = await raw(portOf(a), `127.0.1.${i + 1}`);
      socket.send(ping(`spread-${i}`));
      spread.push(socket);
    }
    await waitUntil(() => a.peers.connectedCount() === maxInboundPeers, "the inbound slots to fill");
    await waitUntil(() => spread.filter((s) => s.isClosed()).length === maxInboundPeersPerAddress, "the inbound peers past the limit to be refused");
    expect(nodes.logger.find("limits.maxInboundPeers ")).toBeDefined();

    // The slots kept for the node's own dials are still there.
    expect(maxPeers - maxInboundPeers).toBeGreaterThan(0);
    const target = await nodes.start({ id: "target" });
    await expect(a.join("127.0.0.1", portOf(target))).resolves.toMatchObject({ id: "target" });
  });
});

describe("every socket is bounded", () => {
  it("holds no more than limits.maxSockets sockets, refuses new work at the budget with a log line, and recovers", async () => {
    const limits = { maxSockets: 30, maxPendingConnections: 1_000, maxPendingPerAddress: 1_000 };
    const a = await nodes.start({ id: "a", limits });
    const attackers: Raw[] = [];
    for (let i = 0; i < 100; i++) attackers.push(await raw(portOf(a)));
    await waitUntil(() => attackers.filter((s) => s.isClosed()).length >= 70, "the sockets past the budget to be closed");
    expect(attackers.filter((s) => !s.isClosed()).length).toBeLessThanOrEqual(30);
    expect(nodes.logger.find("limits.maxSockets")).toBeDefined();

    const other = await nodes.start({ id: "other" });
    await expect(a.join("127.0.0.1", portOf(other))).rejects.toMatchObject({ code: "ERR_DIAL_FAILED", message: expect.stringContaining("limits.maxSockets") });

    for (const socket of attackers) socket.socket.destroy();
    await waitUntil(() => a.connections.connections().length === 0, "the attackers' sockets to close");
    await expect(a.join("127.0.0.1", portOf(other))).resolves.toMatchObject({ id: "other" });
  });

  it("closes the connection of a peer that stops reading, after limits.writeTimeoutMs", async () => {
    const a = await nodes.start({ id: "a", limits: { writeTimeoutMs: 300 } });
    const reader = await raw(portOf(a));
    reader.send(ping("stalled"));
    await waitUntil(() => a.peers.find("stalled")?.connected === true, "the handshake");
    reader.socket.pause();
    const reasons: string[] = [];
    a.on("peer:disconnect", (_peer, reason) => reasons.push(reason));
    const text = "x".repeat(60_000);
    for (let i = 0; i < 400 && reasons.length === 0; i++) {
      a.broadcast({ text });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitUntil(() => reasons.length === 1, "the stalled peer to be dropped");
    expect(reasons[0]).toContain("limits.writeTimeoutMs");
  });
});
