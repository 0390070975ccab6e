// Review of issue 9, item 4 (attacker's view): the per-source caps count one IP address. An attacker
// with a few addresses of one network (3 addresses here; an IPv6 host has a /64 of them) takes every
// inbound peer slot, maxInboundPeers (24) of them, with maxInboundPeersPerAddress (8) each, and every
// honest newcomer is then refused for as long as the squatters stay connected: a default node that new
// nodes bootstrap from is closed to them. Bitcoin groups addresses (IPv4 /16, IPv6 /32) for its caps and,
// with its inbound slots full, evicts a peer of the largest group to admit a newcomer.
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { TcpNodes, waitUntil } from "./tcp-nodes.js";

const nodes = new TcpNodes();
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await nodes.shutdown();
});

/** A raw client from `localAddress` that sends PING as `id` and resolves with the lines it received once answered or closed. */
function handshake(port: number, localAddress: string, id: string): Promise<{ ponged: boolean; socket: Socket }> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, localAddress });
    sockets.push(socket);
    let received = "";
    socket.on("error", () => {});
    socket.on("connect", () => socket.write(JSON.stringify({ msg_type: "PING", msg: { id, host: localAddress, port: 9 }, originator: id, time: Date.now() }) + "\n"));
    socket.on("data", (chunk) => {
      received += chunk.toString("utf8");
      if (received.includes('"msg_type":"PONG"')) resolve({ ponged: true, socket });
    });
    socket.on("close", () => resolve({ ponged: false, socket }));
  });
}

describe("inbound peer slots against an attacker with a few addresses of one network", () => {
  it("still admit an honest newcomer from another network (/16) after 24 squatters from 127.0.0.2-4 (default config)", async () => {
    const a = await nodes.start({ id: "a" });
    const port = a.address!.port;
    const { maxInboundPeers, maxInboundPeersPerAddress } = a.config.limits;
    let squatters = 0;
    for (let host = 2; squatters < maxInboundPeers; host++) {
      for (let i = 0; i < maxInboundPeersPerAddress && squatters < maxInboundPeers; i++) {
        const { ponged } = await handshake(port, `127.0.0.${host}`, `squatter-${squatters}`);
        expect(ponged).toBe(true);
        squatters++;
      }
    }
    await waitUntil(() => a.peers.connectedCount() === maxInboundPeers, "the squatters to hold every inbound slot");

    const honest = await handshake(port, "127.1.0.1", "honest");
    expect(honest.ponged).toBe(true);
    await waitUntil(() => a.peers.find("honest")?.connected === true, "the honest newcomer to be a peer");
    // The youngest squatter gave up its slot, and its row went with it.
    expect(a.peers.connectedCount()).toBe(maxInboundPeers);
    expect(a.peers.find(`squatter-${maxInboundPeers - 1}`)).toBeUndefined();

    // A newcomer from the squatters' own network gains nothing: its group is already the largest.
    const another = await handshake(port, "127.0.0.200", "another-squatter");
    expect(another.ponged).toBe(false);
  });
});
