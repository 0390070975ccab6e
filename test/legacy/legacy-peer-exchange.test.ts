// Peer exchange with the original Python peers, which answer one ADVERTISE with one ADVERTISE_REPLY per
// peer: the request stays open for all of them, and the dial budget counts across them.
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_PLUGINS } from "../../src/kernel/config.js";
import type { AdvertisePlugin } from "../../src/plugins/advertise.js";
import { TcpNodes, waitUntil } from "../integration/tcp-nodes.js";
import { LegacyPeer } from "./legacy-peer.js";

const nodes = new TcpNodes();
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

describe("peer exchange with a legacy peer", () => {
  it("takes its one-reply-per-peer answer within one request's dial budget", async () => {
    const node = await nodes.start({ id: "pk", plugins: [...DEFAULT_PLUGINS, "legacy"], limits: { peerExchangeDialsPerReply: 2 } });
    const py = await legacy("py");
    const others = [await legacy("py2"), await legacy("py3"), await legacy("py4")];
    for (const other of others) other.ping("127.0.0.1", py.port);
    await waitUntil(() => others.every((other) => py.peers.has(other.id)), "py to know py2, py3 and py4");

    await node.join("127.0.0.1", py.port, { dialect: "legacy" });
    await node.getPeersFrom("py");
    const advertise = node.plugin<AdvertisePlugin>("advertise")!;
    await waitUntil(() => advertise.stats.dials + advertise.stats.overBudget === 3, "the three replies to be handled");
    expect(advertise.stats).toMatchObject({ dials: 2, overBudget: 1, unsolicited: 0 });
    await waitUntil(() => node.peers.connectedCount() === 3, "pk to join two of them");
    expect(others.filter((other) => node.peers.find(other.id)?.connected)).toHaveLength(2);
  });
});
