// Issue 9, item 2: peer lists from a hostile peer, over real TCP on 127.0.0.1. A node acts only on the
// reply to an ADVERTISE it sent, and what a reply can make it dial is budgeted.
import { afterEach, describe, expect, it } from "vitest";
import type { AdvertisePlugin } from "../../src/plugins/advertise.js";
import type { PeerNode } from "../../src/node/peer-node.js";
import { closeRawPeers, fakePeerListeners, frame, rawPeer, unusedPort, type RawPeer } from "./raw-peer.js";
import { TcpNodes, waitUntil } from "./tcp-nodes.js";

const nodes = new TcpNodes();
afterEach(async () => {
  await closeRawPeers();
  await nodes.shutdown();
});

const advertise = (node: PeerNode) => node.plugin<AdvertisePlugin>("advertise")!;

/** Asks `peer` for its peers and has it answer with `list`, as a hostile peer would. */
async function askAndAnswer(node: PeerNode, peer: RawPeer, list: unknown[]): Promise<unknown> {
  const asked = node.getPeersFrom(peer.id);
  await waitUntil(() => peer.framesOf("ADVERTISE").length > 0, `the ADVERTISE to ${peer.id}`);
  peer.write(frame("ADVERTISE_REPLY", list, peer.id));
  return asked;
}

describe("peer exchange facing a hostile peer", () => {
  it("dials nothing for an ADVERTISE_REPLY it never asked for", async () => {
    const a = await nodes.start({ id: "a" });
    const evil = await fakePeerListeners(40, "evil");
    const honest = await nodes.start({ id: "honest", plugins: ["ping"] });
    const attacker = await rawPeer(a.address!.port, "attacker");
    const tests: unknown[] = [];
    a.on("test", (event) => tests.push(event));
    attacker.write(frame("ADVERTISE_REPLY", evil.list, "attacker"));
    // Frames of one connection are handled in order: once the TEST after it arrived, the reply was handled.
    attacker.write(frame("TEST", "marker", "attacker"));
    await waitUntil(() => tests.length === 1, "the marker");

    // A solicited reply after it: by the time its dial is done, any dial the first caused was accepted.
    const asked = askAndAnswer(a, attacker, [{ id: "honest", host: "127.0.0.1", port: honest.address!.port }]);
    asked.catch(() => undefined); // awaited below; an assertion failing first must not leave it unhandled
    await waitUntil(() => a.peers.find("honest")?.connected === true || evil.accepted() > 0, "the solicited dial");
    expect(evil.accepted()).toBe(0);
    await asked;
    expect(advertise(a).stats.unsolicited).toBe(1);
    expect(a.peers.connected().map((p) => p.id).sort()).toEqual(["attacker", "honest"]);
  });

  it("dials at most limits.peerExchangeDialsPerReply of a 40-entry reply, and an honest newcomer still joins", async () => {
    const a = await nodes.start({ id: "a" });
    const evil = await fakePeerListeners(40, "evil");
    const attacker = await rawPeer(a.address!.port, "attacker");

    const joined = (await askAndAnswer(a, attacker, evil.list)) as unknown[];
    expect(joined).toHaveLength(8);
    expect(evil.accepted()).toBe(8);
    expect(advertise(a).stats).toMatchObject({ dials: 8, overBudget: 32 });

    const newcomer = await nodes.start({ id: "newcomer" });
    await expect(newcomer.join("127.0.0.1", a.address!.port)).resolves.toMatchObject({ id: "a" });
    // A second answer to the same request is unsolicited: nothing more is dialled.
    attacker.write(frame("ADVERTISE_REPLY", evil.list.slice(8), "attacker"));
    await waitUntil(() => advertise(a).stats.unsolicited === 1, "the second reply to be dropped");
    expect(evil.accepted()).toBe(8);
  });

  it("dials at most limits.peerExchangeDialsPerMinute in all, however many replies arrive", async () => {
    const a = await nodes.start({ id: "a", limits: { peerExchangeDialsPerMinute: 10 } });
    const evil = await fakePeerListeners(40, "evil");
    const attackers = [];
    for (let i = 0; i < 5; i++) attackers.push(await rawPeer(a.address!.port, `attacker-${i}`));

    await Promise.all(attackers.map((peer, i) => askAndAnswer(a, peer, evil.list.slice(i * 8, i * 8 + 8))));
    await waitUntil(() => a.connections.dialsInProgress === 0, "the dials to finish");
    expect(evil.accepted()).toBe(10);
    expect(advertise(a).stats).toMatchObject({ dials: 10, overBudget: 30 });
  });

  it("does not dial an address again within limits.peerExchangeBackoffMs, nor one that just failed", async () => {
    const a = await nodes.start({ id: "a" });
    const evil = await fakePeerListeners(2, "evil");
    const attacker = await rawPeer(a.address!.port, "attacker");
    await askAndAnswer(a, attacker, evil.list);
    expect(evil.accepted()).toBe(2);

    // The two drop off; the attacker names them again, plus a port nobody listens on, twice.
    for (const peer of evil.list) a.connections.connectionOf(peer.id)!.close("test");
    await waitUntil(() => a.peers.connectedCount() === 1, "the fake peers to drop");
    const dead = { id: "dead", host: "127.0.0.1", port: await unusedPort() };
    await askAndAnswer(a, attacker, [...evil.list, dead]);
    await askAndAnswer(a, attacker, [dead]);
    expect(evil.accepted()).toBe(2);
    expect(advertise(a).stats).toMatchObject({ dials: 3, backedOff: 3 });
  });
});
