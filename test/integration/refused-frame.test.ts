import { createServer, type Server, type Socket } from "node:net";
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

/** A listener on 127.0.0.1, port 0, that answers each connection's first line with `reply` and closes. */
async function answerOnce(reply: (socket: Socket) => string): Promise<number> {
  const server = createServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", () => socket.end(reply(socket)));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
}

describe("REFUSED: a frame from the network like any other", () => {
  it("is ignored from a handshaken peer (it cannot unbind it), and a malformed one is a bad frame", async () => {
    const a = await nodes.start({ id: "a" });
    const mallory = await rawPeer(a.address!.port, "mallory");
    mallory.write(frame("REFUSED", { code: "ID_TAKEN", id: "a" }, "mallory"));
    mallory.write(frame("REFUSED", { code: 5 }, "mallory"));
    mallory.write(frame("REFUSED", { code: "x".repeat(300) }, "mallory"));
    // Frames are handled in order: once the two malformed ones are rejected, the first was handled too.
    const rejected = () => nodes.logger.entries.filter((e) => e.message === "rejected a frame" && /REFUSED code must be a string/.test(String(e.fields.reason)));
    await waitUntil(() => rejected().length === 2, "the malformed REFUSED frames to be rejected");
    expect(a.peers.find("mallory")?.connected).toBe(true);
  });

  it("with a code the node does not know fails a join only as a closed connection", async () => {
    const a = await nodes.start({ id: "a" });
    const port = await answerOnce(() => `${frame("REFUSED", { code: "SOMETHING_NEW" }, "z")}\n`);
    await expect(a.join("127.0.0.1", port)).rejects.toMatchObject({ code: "ERR_DIAL_FAILED" });
  });

  it("ID_TAKEN before the handshake fails the join with ERR_ID_TAKEN, naming the node's own id and --id", async () => {
    const a = await nodes.start({ id: "a" });
    const port = await answerOnce(() => `${frame("REFUSED", { code: "ID_TAKEN", id: "a" }, "z")}\n`);
    const failure = a.join("127.0.0.1", port);
    await expect(failure).rejects.toMatchObject({ code: "ERR_ID_TAKEN", peerId: "a" });
    await expect(failure).rejects.toThrow(/its id "a" is already used by another node connected there\. Start this node with another id \(--id NAME\)/);
  });

  it("a node refused on a connection the other node dialled says so once it is closed (it had bound the dialler on its PING)", async () => {
    const hub = await nodes.start({ id: "hub" });
    const bob = await nodes.start({ id: "bob" });
    await bob.join("127.0.0.1", hub.address!.port);
    const twin = await nodes.start({ id: "bob" });
    // The log is shared by the file's tests: only the lines naming this twin's id count.
    const refusedLines = () => nodes.logger.entries.filter((e) => e.level === "warn" && /a node refused this one/.test(e.message) && e.fields.id === "bob");
    await hub.join("127.0.0.1", twin.address!.port).catch(() => undefined);
    await waitUntil(() => refusedLines().length === 1, "the twin's warning");
    expect(refusedLines()[0]!.fields).toMatchObject({ fix: "start this node with another --id" });
  });
});
