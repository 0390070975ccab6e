import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { TcpNodes, waitUntil } from "./tcp-nodes.js";
import { closeRawPeers, frame, rawPeer } from "./raw-peer.js";

const nodes = new TcpNodes();
const servers: Server[] = [];
afterEach(async () => {
  await closeRawPeers();
  await nodes.shutdown();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Short keepalive timers: a refused address that is still kept is redialled within a second. */
const keepalive = { intervalMs: 200, timeoutMs: 600, redialBaseMs: 50, redialMaxMs: 100 };

const refusedBootstrap = () =>
  nodes.logger.entries.some((e) => e.message === "could not join a bootstrap peer" && /is already used by another node/.test(String(e.fields.error)));

describe("review: a REFUSED ID_TAKEN does not lock a node out of an address for good", () => {
  it("--insecure: a stranger squatting an honest id at a hub cannot keep the honest node away once it leaves", async () => {
    const hub = await nodes.start({ id: "hub" });
    // Mallory claims h's id at the hub, from another address than h's, before h arrives.
    const mallory = await rawPeer(hub.address!.port, "h");
    const h = await nodes.start({ id: "h", keepalive, bootstrap: [`127.0.0.1:${hub.address!.port}`] });
    await waitUntil(refusedBootstrap, "h's bootstrap to be refused as a taken id");

    mallory.socket.destroy();
    await waitUntil(() => h.peers.find("hub")?.connected === true && hub.peers.find("h")?.connected === true, "h to reach the hub once mallory is gone");
  });

  it("one REFUSED from whatever answered at a bootstrap address once does not make the node give that address up", async () => {
    // Something that is not the node of that address answers once with a refusal, then the address's node comes.
    const impostor = createServer((socket) => {
      socket.on("error", () => {});
      socket.once("data", () => socket.end(`${frame("REFUSED", { code: "ID_TAKEN", id: "h" }, "z")}\n`));
    });
    servers.push(impostor);
    await new Promise<void>((resolve) => impostor.listen(0, "127.0.0.1", resolve));
    const port = (impostor.address() as { port: number }).port;

    const h = await nodes.start({ id: "h", keepalive, bootstrap: [`127.0.0.1:${port}`] });
    await waitUntil(refusedBootstrap, "h's bootstrap to be refused as a taken id");
    await new Promise((resolve) => impostor.close(resolve));
    servers.length = 0;

    const honest = await nodes.start({ id: "honest", port });
    await waitUntil(() => h.peers.find("honest")?.connected === true, "h to reach the node that owns the address");
    expect(honest.peers.find("h")?.connected).toBe(true);
  });
});
