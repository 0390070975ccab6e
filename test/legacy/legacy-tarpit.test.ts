// Issue 9, item 5: "legacy peers" that accept the node's one-shot connections and never read nor close
// them (tarpits) took a node to EMFILE on 9f3bddc. Real sockets on 127.0.0.1, small limits.
import { spawn, type ChildProcess } from "node:child_process";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { PeerNode } from "../../src/node/peer-node.js";
import { TcpNodes, waitUntil } from "../integration/tcp-nodes.js";
import { legacyMessage, Recorder, sendOneShot, WITH_LEGACY } from "./raw-legacy.js";

const nodes = new TcpNodes();
const pits: Recorder[] = [];
const children: ChildProcess[] = [];
const fillers: Socket[] = [];
afterEach(async () => {
  await nodes.shutdown();
  await Promise.all(pits.splice(0).map((p) => p.stop()));
  for (const socket of fillers.splice(0)) socket.destroy();
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

/** Two tarpits that complete the legacy handshake with the node (their PINGs are honest). */
async function tarpitsJoined(node: PeerNode): Promise<Recorder[]> {
  for (const id of ["pit-0", "pit-1"]) {
    const pit = await new Recorder(true).start();
    pits.push(pit);
    await sendOneShot(node.address!.port, legacyMessage("PING", ["127.0.0.1", pit.port], id));
  }
  await waitUntil(() => node.peers.find("pit-0")?.connected === true && node.peers.find("pit-1")?.connected === true, "both tarpits to be bound");
  return pits;
}

describe("legacy peers that accept and never close (tarpits)", () => {
  it("hold at most legacySocketsPerLink sockets each, are dropped at limits.writeTimeoutMs, and an honest peer still joins", async () => {
    const a = await nodes.start({
      id: "a",
      plugins: WITH_LEGACY,
      limits: { maxSockets: 32, writeTimeoutMs: 400, legacySocketsPerLink: 2, legacyQueueSize: 4 },
    });
    const [pit0, pit1] = await tarpitsJoined(a);
    const links = ["pit-0", "pit-1"].map((id) => a.connections.connectionOf(id)!);
    const gone: string[] = [];
    a.on("peer:disconnect", (peer, reason) => gone.push(`${peer.id}: ${reason}`));

    for (let i = 0; i < 100; i++) a.broadcast({ text: `line ${i}` });
    await waitUntil(() => gone.length === 2, "both tarpits to be dropped", 5_000);
    // A link's bytes in flight fall to 0 only once each of its sockets has closed on the node's side.
    await waitUntil(() => links.every((link) => link.stats().queuedBytes === 0), "the node to destroy its sockets to the tarpits", 5_000);

    // A tarpit never reads, so it never sees the node's close: every connection it accepted stays in its count.
    expect([pit0!.accepted, pit1!.accepted]).toEqual([2, 2]);
    expect(gone.sort()).toEqual([
      expect.stringMatching(/^pit-0: legacy peer unreachable: .*within 400 ms \(limits\.writeTimeoutMs\)/),
      expect.stringMatching(/^pit-1: legacy peer unreachable: .*within 400 ms \(limits\.writeTimeoutMs\)/),
    ]);
    // Each link took its PONG and one line in flight and 4 lines in its queue, and dropped the other 95;
    // the 4 queued were dropped too when it closed.
    for (const link of links) expect(link.stats().dropped).toBe(99);

    const b = await nodes.start({ id: "b" });
    await b.join("127.0.0.1", a.address!.port);
    expect(a.peers.find("b")?.connected).toBe(true);
  });

  it("count their sockets against limits.maxSockets: at the budget, messages are dropped and counted", async () => {
    const a = await nodes.start({
      id: "a",
      plugins: WITH_LEGACY,
      limits: { maxSockets: 4, writeTimeoutMs: 60_000, legacySocketsPerLink: 8, legacyQueueSize: 0 },
    });
    const [pit0, pit1] = await tarpitsJoined(a);
    const links = ["pit-0", "pit-1"].map((id) => a.connections.connectionOf(id)!);

    for (let i = 0; i < 20; i++) a.broadcast({ text: `line ${i}` });
    const sent = links.reduce((n, link) => n + link.stats().framesOut, 0);
    await waitUntil(() => pit0!.accepted + pit1!.accepted === sent, "every socket the node opened to arrive");

    expect(pit0!.accepted + pit1!.accepted).toBeLessThanOrEqual(4);
    expect(links.reduce((n, link) => n + link.stats().dropped, 0)).toBe(2 * 21 - sent);
  });
});

describe("a legacy peer whose connects get no answer", () => {
  it("is dropped at limits.dialTimeoutMs, as unreachable", async () => {
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
    for (let i = 0; i < 3; i++) fillers.push(connect(port, "127.0.0.1").on("error", () => {}));

    const a = await nodes.start({ id: "a", plugins: WITH_LEGACY, limits: { dialTimeoutMs: 300, requestTimeoutMs: 10_000 } });
    await expect(a.join("127.0.0.1", port, { dialect: "legacy" })).rejects.toMatchObject({
      message: expect.stringContaining("legacy peer unreachable: no connection within 300 ms (limits.dialTimeoutMs)"),
    });
  });
});
