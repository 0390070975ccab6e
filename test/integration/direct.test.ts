import { afterEach, describe, expect, it } from "vitest";
import type { DirectEvent } from "../../src/kernel/node-events.js";
import type { PeerNode } from "../../src/node/peer-node.js";
import { TcpNodes, waitUntil } from "./tcp-nodes.js";

const nodes = new TcpNodes();
afterEach(() => nodes.shutdown());

function record(node: PeerNode): DirectEvent[] {
  const delivered: DirectEvent[] = [];
  node.on("direct", (event) => delivered.push(event));
  return delivered;
}

/** Starts nodes with these ids and links them as listed; every node runs the default plugins. */
async function network(ids: string[], links: Array<[number, number]>): Promise<PeerNode[]> {
  const all: PeerNode[] = [];
  // No advertise: the topology must stay exactly as listed.
  for (const id of ids) all.push(await nodes.start({ id, plugins: ["ping", "direct"], limits: { requestTimeoutMs: 3000 } }));
  for (const [from, to] of links) await all[from]!.join("127.0.0.1", all[to]!.address!.port);
  return all;
}

describe("one-to-one messages over TCP", () => {
  it("reach a direct peer and are acknowledged", async () => {
    const [a, b] = await network(["a", "b"], [[0, 1]]);
    const delivered = record(b!);
    const id = await a!.send("b", { text: "hello b" });
    expect(delivered).toMatchObject([{ id, originator: "a", msg: { text: "hello b" } }]);
  });

  it("reach a node three hops away in a line of four, shown only at the destination", async () => {
    const line = await network(["n1", "n2", "n3", "n4"], [[0, 1], [1, 2], [2, 3]]);
    const seen = line.map(record);
    const id = await line[0]!.send("n4", { text: "to the end of the line" });
    expect(seen[3]).toMatchObject([{ id, originator: "n1" }]);
    expect(seen[1]).toEqual([]);
    expect(seen[2]).toEqual([]);
    // The ack taught n1 the way: the reply path is known, and a second message follows it.
    const second = await line[0]!.send("n4", "again");
    expect(seen[3]!.map((e) => e.id)).toEqual([id, second]);
  });

  it("are delivered once when the same message arrives by two paths", async () => {
    // a square: a-b, a-c, b-d, c-d; a message from a to d arrives through b and through c.
    const [a, , , d] = await network(["a", "b", "c", "d"], [[0, 1], [0, 2], [1, 3], [2, 3]]);
    const delivered = record(d!);
    const id = await a!.send("d", "once");
    const marker = await a!.send("d", "marker");
    await waitUntil(() => delivered.some((e) => e.id === marker), "the marker");
    expect(delivered.filter((e) => e.id === id)).toHaveLength(1);
  });

  it("to an unknown destination reject with ERR_UNDELIVERED after the timeout, and nothing hangs", async () => {
    const [a] = await network(["a", "b", "c"], [[0, 1], [1, 2]]);
    await expect(a!.send("nobody", "hello?")).rejects.toMatchObject({ code: "ERR_UNDELIVERED", to: "nobody" });
  });
});
