// Review of issue 9, item 5 (attacker's view): "a legacy ADVERTISE (80 bytes) made the node open one
// connection per known peer to the requester's address". Still so once the requester has done the
// legacy handshake (one PING, which costs nothing): every ADVERTISE it sends, up to its rate limit
// (legacyMessagesPerSecond 20, burst 40), makes the node open one one-shot connection per connected
// peer towards it, as PONG was before it got "at most one per keepalive interval".
import { afterEach, describe, expect, it } from "vitest";
import type { PeerNode } from "../../src/node/peer-node.js";
import { closeRawPeers, rawPeer } from "../integration/raw-peer.js";
import { TcpNodes, waitUntil } from "../integration/tcp-nodes.js";
import { legacyMessage, Recorder, sendOneShot, WITH_LEGACY } from "./raw-legacy.js";

const nodes = new TcpNodes();
const recorders: Recorder[] = [];
afterEach(async () => {
  await closeRawPeers();
  await nodes.shutdown();
  await Promise.all(recorders.splice(0).map((r) => r.stop()));
});

const PEERS = 6;
const ADVERTISES = 30;

describe("legacy ADVERTISE from a handshaken source", () => {
  it("does not make the node open a connection per peer for every ADVERTISE (at most one answer per keepalive interval)", async () => {
    const a: PeerNode = await nodes.start({ id: "a", plugins: WITH_LEGACY });
    for (let i = 0; i < PEERS; i++) await rawPeer(a.address!.port, `p${i}`);
    const evil = await new Recorder().start();
    recorders.push(evil);
    await sendOneShot(a.address!.port, legacyMessage("PING", ["127.0.0.1", evil.port], "evil"));
    await waitUntil(() => a.peers.find("evil")?.connected === true, "the node to bind evil");
    const link = a.connections.connectionOf("evil")!;

    // 30 × 80 bytes, within the source's burst of 40.
    for (let i = 0; i < ADVERTISES; i++) await sendOneShot(a.address!.port, legacyMessage("ADVERTISE", "", "evil"));
    await waitUntil(() => link.stats().queuedBytes === 0 && evil.accepted > PEERS, "the node's answers to be sent");

    // One PONG, one set of replies (one per peer), with room for a second set: not 30 sets.
    expect(evil.accepted).toBeLessThanOrEqual(1 + 2 * PEERS);
  });
});
