// Protocol v2 on real sockets: TLS 1.3 on every connection, the peer id is the key each side proved.
import { afterEach, describe, expect, it } from "vitest";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { TcpNodes, waitUntil } from "./tcp-nodes.js";
import { isPeerId } from "../../src/secure/peer-id.js";

const nodes = new TcpNodes();
afterEach(() => nodes.shutdown());

describe("secure nodes (the default)", () => {
  it("join over TLS and know each other by the id of the key each proved", async () => {
    const a = await nodes.start({ plugins: ["ping"] });
    const b = await nodes.start({ plugins: ["ping"] });
    expect(isPeerId(a.id)).toBe(true);
    const peer = await b.join("127.0.0.1", a.address!.port);
    expect(peer.id).toBe(a.id);
    await waitUntil(() => a.peers.has(b.id), "a to bind b");
    const connection = b.connections.connectionOf(a.id)!;
    expect(connection.provenPeerId).toBe(a.id);
  });

  it("refuses an id in the config, naming --insecure", async () => {
    await expect(nodes.start({ id: "alice", security: "tls" })).rejects.toMatchObject({ code: "ERR_CONFIG_INVALID", message: expect.stringMatching(/id[\s\S]*--insecure/) });
  });

  it("a plaintext client gets nothing but a closed socket, and the node logs why", async () => {
    const a = await nodes.start({ plugins: ["ping"] });
    const socket = connect(a.address!.port, "127.0.0.1");
    let received = 0;
    socket.on("data", (chunk: Buffer) => (received += chunk.length));
    socket.write(JSON.stringify({ msg_type: "PING", msg: { id: "x", host: "127.0.0.1", port: 1 }, originator: "x", time: Date.now() }) + "\n");
    await new Promise((resolve) => socket.once("close", resolve));
    expect(received).toBe(0);
    await waitUntil(() => nodes.logger.entries.some((e) => /plaintext protocol v1/.test(JSON.stringify(e))), "the refusal line");
  });
});

describe("secure and insecure nodes refuse each other", () => {
  it("an insecure node dialling a secure one: both log why, no peer is bound", async () => {
    const secure = await nodes.start({ plugins: ["ping"] });
    const insecure = await nodes.start({ id: "plain", plugins: ["ping"] });
    await expect(insecure.join("127.0.0.1", secure.address!.port)).rejects.toThrow();
    expect(secure.peers.list()).toEqual([]);
    await waitUntil(() => nodes.logger.entries.some((e) => /runs --insecure/.test(JSON.stringify(e))), "the secure node's line");
  });

  it("a secure node dialling an insecure one: both log why, no peer is bound", async () => {
    const secure = await nodes.start({ plugins: ["ping"] });
    const insecure = await nodes.start({ id: "plain", plugins: ["ping"] });
    await expect(secure.join("127.0.0.1", insecure.address!.port)).rejects.toThrow(/insecure/);
    expect(insecure.peers.list()).toEqual([]);
    await waitUntil(() => nodes.logger.entries.some((e) => /speaks TLS/.test(JSON.stringify(e))), "the insecure node's line");
  });
});

describe("signed broadcasts over secure links", () => {
  it("reach every node once in tree mode (Plumtree) too, from the signed bytes the originator made", async () => {
    const broadcast = { mode: "tree" as const, ihaveIntervalMs: 10 };
    const a = await nodes.start({ broadcast });
    const b = await nodes.start({ broadcast });
    const c = await nodes.start({ broadcast });
    await b.join("127.0.0.1", a.address!.port);
    await c.join("127.0.0.1", b.address!.port);
    const seen = new Map<string, unknown[]>([[b.id, []], [c.id, []]]);
    for (const node of [b, c]) node.on("broadcast", (event) => seen.get(node.id)!.push([event.originator, event.msg]));
    const id = a.broadcast({ text: "through the tree" });
    await waitUntil(() => [...seen.values()].every((list) => list.length === 1), "both nodes to deliver the broadcast");
    expect([...seen.values()]).toEqual([[[a.id, { text: "through the tree" }]], [[a.id, { text: "through the tree" }]]]);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("handshakes that never finish", () => {
  it("hold no slot an honest node needs: 40 stalled TLS handshakes from its own address, and it still joins", async () => {
    const a = await nodes.start({ plugins: ["ping"] });
    const stalled = Array.from({ length: 40 }, () => {
      const socket = connect(a.address!.port, "127.0.0.1");
      socket.on("error", () => {});
      // The first bytes of a ClientHello, then nothing.
      socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00]));
      return socket;
    });
    const b = await nodes.start({ plugins: ["ping"] });
    expect((await b.join("127.0.0.1", a.address!.port)).id).toBe(a.id);
    for (const socket of stalled) socket.destroy();
  });
});

describe("a record that fails authentication", () => {
  it("closes the accepting side at once, even when a man in the middle keeps the other side quiet", async () => {
    const bob = await nodes.start({ plugins: ["ping", "broadcast"] });
    const alice = await nodes.start({ plugins: ["ping", "broadcast"] });
    let mode: "relay" | "attack" = "relay";
    const sockets: Socket[] = [];
    const proxy = createServer((client) => {
      const upstream = connect(bob.address!.port, "127.0.0.1");
      sockets.push(client, upstream);
      for (const s of [client, upstream]) s.on("error", () => {});
      client.on("data", (chunk: Buffer) => {
        if (mode === "attack") {
          chunk[chunk.length - 1]! ^= 0x01;
          mode = "relay";
          // From now on bob's answers (its alert) never reach alice.
          upstream.removeAllListeners("data");
        }
        upstream.write(chunk);
      });
      upstream.on("data", (chunk: Buffer) => client.write(chunk));
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const port = (proxy.address() as AddressInfo).port;
    await alice.join("127.0.0.1", port);
    await waitUntil(() => bob.peers.has(alice.id), "bob to bind alice");
    const closed = new Promise<void>((resolve) => bob.on("peer:disconnect", () => resolve()));
    mode = "attack";
    alice.broadcast({ text: "meet on Tuesday" });
    await closed;
    expect(bob.connections.peerIds()).not.toContain(alice.id);
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  });
});
