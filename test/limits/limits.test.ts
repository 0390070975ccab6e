// Each limit of `limits.*`, crossed on a real node over TCP on 127.0.0.1, showing what the node does.
import { afterEach, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { connect, type Socket } from "node:net";
import type { BroadcastEvent } from "../../src/kernel/node-events.js";
import { openRawSocket, type RawSocket } from "../transport/raw-socket.js";
import { TcpNodes, waitUntil } from "../integration/tcp-nodes.js";

const nodes = new TcpNodes();
const sockets: RawSocket[] = [];
const children: ChildProcess[] = [];
const fillers: Socket[] = [];
afterEach(async () => {
  for (const socket of fillers.splice(0)) socket.destroy();
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  for (const child of children.splice(0)) child.kill("SIGKILL");
  await nodes.shutdown();
});

async function raw(port: number): Promise<RawSocket> {
  const socket = await openRawSocket({ host: "127.0.0.1", port });
  sockets.push(socket);
  return socket;
}

const ping = (id: string, port = 9) => JSON.stringify({ msg_type: "PING", msg: { id, host: "127.0.0.1", port }, originator: id, time: 0 });

describe("limits.maxConnections", () => {
  it("closes the oldest pending connection to admit a new one, with a log line, and keeps the handshaken ones", async () => {
    const a = await nodes.start({ id: "a", limits: { maxConnections: 2 } });
    const first = await raw(a.address!.port);
    first.write(ping("p0"));
    await waitUntil(() => a.peers.has("p0"), "p0 to be a peer");
    const pending = await raw(a.address!.port);
    const newest = await raw(a.address!.port);
    await pending.closed;
    expect(nodes.logger.find("limits.maxConnections")).toBeDefined();
    newest.write(ping("p1"));
    await waitUntil(() => a.peers.has("p1"), "the newest connection to be admitted");
    expect(a.peers.find("p0")?.connected).toBe(true);
  });

  it("closes a new inbound connection at once when every slot is held by handshaken peers", async () => {
    const a = await nodes.start({ id: "a", limits: { maxConnections: 2 } });
    const kept = [await raw(a.address!.port), await raw(a.address!.port)];
    kept[0]!.write(ping("p0"));
    kept[1]!.write(ping("p1"));
    await waitUntil(() => a.peers.connectedCount() === 2, "two peers");
    const extra = await raw(a.address!.port);
    await extra.closed;
    expect(nodes.logger.find("limits.maxConnections")).toBeDefined();
    expect(a.peers.connectedCount()).toBe(2);
  });
});

describe("limits.maxPeers", () => {
  it("refuses a handshake past the limit, logging it, and keeps the peers it has", async () => {
    const a = await nodes.start({ id: "a", limits: { maxPeers: 2 } });
    const joiners = [];
    for (const id of ["b", "c", "d"]) joiners.push(await nodes.start({ id }));
    await joiners[0]!.join("127.0.0.1", a.address!.port);
    await joiners[1]!.join("127.0.0.1", a.address!.port);
    await expect(joiners[2]!.join("127.0.0.1", a.address!.port)).rejects.toMatchObject({ code: "ERR_DIAL_FAILED" });
    expect(a.peers.connected().map((p) => p.id).sort()).toEqual(["b", "c"]);
    expect(nodes.logger.find("limits.maxPeers")).toBeDefined();
  });

  it("makes ADVERTISE_REPLY dial no more peers than the room left, even for replies that arrive together", async () => {
    const others = [];
    for (let i = 0; i < 6; i++) others.push(await nodes.start({ id: `o${i}`, plugins: ["ping"] }));
    const a = await nodes.start({ id: "a", limits: { maxPeers: 3 } });
    const b = await raw(a.address!.port);
    const c = await raw(a.address!.port);
    b.write(ping("b"));
    c.write(ping("c"));
    await waitUntil(() => a.peers.connectedCount() === 2, "b and c to be peers");
    const list = others.map((o) => ({ id: o.id, host: "127.0.0.1", port: o.address!.port }));
    const reply = (from: string) => JSON.stringify({ msg_type: "ADVERTISE_REPLY", msg: list, originator: from, time: 0 });
    const asked = [a.getPeersFrom("b"), a.getPeersFrom("c")];
    b.write(reply("b"));
    c.write(reply("c"));
    await Promise.all(asked);
    await waitUntil(() => a.connections.dialsInProgress === 0 && a.peers.connectedCount() === 3, "one more peer");
    // Give any overshooting dial the time to land before asserting that none happened.
    const marker = await nodes.start({ id: "marker", plugins: ["ping"] });
    await marker.join("127.0.0.1", others[0]!.address!.port);
    expect(a.peers.connectedCount()).toBe(3);
  });

  it("makes ADVERTISE_REPLY never dial the node itself, nor one address twice", async () => {
    const target = await nodes.start({ id: "target", plugins: ["ping"] });
    const a = await nodes.start({ id: "a" });
    const b = await raw(a.address!.port);
    b.write(ping("b"));
    await waitUntil(() => a.peers.has("b"), "b to be a peer");
    const self = { host: "127.0.0.1", port: a.address!.port };
    const twice = { host: "127.0.0.1", port: target.address!.port };
    const list = [{ id: "alias-of-a", ...self }, { id: "target", ...twice }, { id: "target-again", ...twice }];
    const asked = a.getPeersFrom("b");
    b.write(JSON.stringify({ msg_type: "ADVERTISE_REPLY", msg: list, originator: "b", time: 0 }));
    await asked;
    await waitUntil(() => a.peers.has("target"), "a to connect to target");
    expect(target.connections.connections()).toHaveLength(1);
    expect(a.peers.connected().map((p) => p.id).sort()).toEqual(["b", "target"]);
  });
});

describe("limits.handshakeMs", () => {
  it("closes a connection that sends no PING or PONG in time, and keeps one that does", async () => {
    const a = await nodes.start({ id: "a", limits: { handshakeMs: 300 } });
    const silent = await raw(a.address!.port);
    const polite = await raw(a.address!.port);
    polite.write(ping("polite"));
    await silent.closed;
    expect(nodes.logger.find("sent no handshake")).toBeDefined();
    expect(a.peers.find("polite")?.connected).toBe(true);
  });
});

describe("limits.maxFramesPerSecond and limits.frameBurst", () => {
  it("slows a flooding connection to the rate while other peers are served normally", async () => {
    const rate = 2000;
    const burst = 1000;
    const a = await nodes.start({ id: "a", limits: { maxFramesPerSecond: rate, frameBurst: burst } });
    const b = await nodes.start({ id: "b", bootstrap: [{ host: "127.0.0.1", port: a.address!.port }] });
    const flooder = await raw(a.address!.port);
    flooder.write(ping("flooder"));
    await waitUntil(() => a.peers.has("flooder"), "the flooder's handshake");
    let tests = 0;
    a.on("test", () => tests++);
    const delivered: BroadcastEvent[] = [];
    a.on("broadcast", (event) => delivered.push(event));

    const frame = JSON.stringify({ msg_type: "TEST", msg: "x".repeat(32), originator: "flooder", time: 0 }) + "\n";
    const started = Date.now();
    flooder.socket.write(frame.repeat(20_000));
    b.broadcast({ text: "served meanwhile" });
    await waitUntil(() => delivered.length === 1, "b's broadcast during the flood");
    await waitUntil(() => tests >= 3000, "part of the flood");
    const elapsedMs = Date.now() - started;
    // A token bucket lets through at most its burst plus its rate over the time elapsed.
    expect(tests).toBeLessThanOrEqual(burst + (rate * elapsedMs) / 1000 + 1);
    expect(tests).toBeLessThan(20_000);
    expect(nodes.logger.find("faster than limits.maxFramesPerSecond")).toBeDefined();
    expect(a.connections.connectionOf("flooder")!.stats().throttled).toBeGreaterThan(0);
  });
});

describe("limits.maxQueuedBytes", () => {
  it("drops frames to a peer that does not read, keeps its queue bounded, and serves the others fully", async () => {
    const maxQueuedBytes = 256 * 1024;
    const a = await nodes.start({ id: "a", limits: { maxQueuedBytes } });
    const b = await nodes.start({ id: "b", bootstrap: [{ host: "127.0.0.1", port: a.address!.port }] });
    const slow = await raw(a.address!.port);
    slow.write(ping("slow"));
    await waitUntil(() => a.peers.has("slow"), "the slow reader's handshake");
    slow.socket.pause();
    const received: BroadcastEvent[] = [];
    b.on("broadcast", (event) => received.push(event));

    const payload = "y".repeat(16 * 1024);
    let peakQueued = 0;
    for (let i = 0; i < 400; i++) {
      a.broadcast({ text: payload, i });
      peakQueued = Math.max(peakQueued, a.connections.connectionOf("slow")!.stats().queuedBytes);
      // Yield well before maxQueuedBytes is written in one turn, so that b, which reads, always keeps up
      // (the kernel's socket buffer takes what b has not read yet); only the peer that never reads falls behind.
      if (i % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await waitUntil(() => received.length === 400, "every broadcast at b");
    const stats = a.connections.connectionOf("slow")!.stats();
    expect(stats.dropped).toBeGreaterThan(0);
    expect(peakQueued).toBeLessThanOrEqual(maxQueuedBytes + payload.length + 200);
    expect(nodes.logger.find("reads too slowly")).toBeDefined();
  });
});

describe("limits.dialTimeoutMs", () => {
  it("gives up on a connect that gets no answer, with ERR_DIAL_FAILED naming the limit", async () => {
    // A listener whose process is frozen: after its tiny accept queue fills, SYNs get no answer.
    const child = spawn(
      process.execPath,
      [
        "-e",
        `const net = require("node:net");
         const server = net.createServer().listen({ host: "127.0.0.1", port: 0, backlog: 1 }, () => {
           process.send(server.address().port, () => { const end = Date.now() + 20000; while (Date.now() < end) {} });
         });`,
      ],
      { stdio: ["ignore", "ignore", "ignore", "ipc"] },
    );
    children.push(child);
    const port = await new Promise<number>((resolve) => child.once("message", (m) => resolve(m as number)));
    // Fill the accept queue (backlog 1 holds two) and one more, without waiting on connects that never finish.
    for (let i = 0; i < 3; i++) {
      const socket = connect(port, "127.0.0.1").on("error", () => {});
      fillers.push(socket);
    }
    const a = await nodes.start({ id: "a", limits: { dialTimeoutMs: 500 } });
    await expect(a.join("127.0.0.1", port)).rejects.toMatchObject({ code: "ERR_DIAL_FAILED", message: expect.stringContaining("limits.dialTimeoutMs") });
  });
});
