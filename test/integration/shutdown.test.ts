import { describe, expect, it } from "vitest";
import { TcpNodes, waitUntil } from "./tcp-nodes.js";

/** Counts of the libuv handles that a node could leak: sockets, servers, timers. */
function openHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind === "TCPSocketWrap" || kind === "TCPServerWrap" || kind === "Timeout") counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

describe("shutdown", () => {
  it("closes every socket, listener and timer: the process is back to the handles it had before", async () => {
    const before = openHandles();
    const nodes = new TcpNodes();
    const a = await nodes.start({ id: "a" });
    const b = await nodes.start({ id: "b", bootstrap: [{ host: "127.0.0.1", port: a.address!.port }] });
    const c = await nodes.start({ id: "c", bootstrap: [{ host: "127.0.0.1", port: b.address!.port }] });
    await waitUntil(() => c.peers.connectedCount() === 2, "c to connect to both");
    c.broadcast("bye");
    // A request still pending at shutdown must be failed (not left hanging, not resolved), and its timer cleared.
    const pending = a.getPeersFrom("b").then(
      (peers) => ({ resolved: peers }),
      (error: unknown) => error,
    );
    expect(openHandles().TCPServerWrap).toBe((before.TCPServerWrap ?? 0) + 3);
    await nodes.shutdown();
    expect(await pending).toMatchObject({ code: "ERR_NODE_STATE", message: expect.stringContaining("shut down") });
    // Nothing the nodes opened may remain; a timer of the test runner's own may come and go meanwhile.
    const leaked = (): string[] =>
      Object.entries(openHandles())
        .filter(([kind, count]) => count > (before[kind] ?? 0))
        .map(([kind, count]) => `${kind}: ${count} (before: ${before[kind] ?? 0})`);
    await waitUntil(() => leaked().length === 0, "the handles to be released", 5000);
    expect(leaked()).toEqual([]);
  });

  it("can be called twice, and concurrently", async () => {
    const nodes = new TcpNodes();
    const a = await nodes.start({ id: "a" });
    await Promise.all([a.shutdown(), a.shutdown()]);
    await a.shutdown();
    expect(a.address).toBeUndefined();
  });
});
