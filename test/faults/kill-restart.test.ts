// Process faults (issue 4): real CLI processes, `kill -9` of two nodes in the middle of a stream of
// broadcasts, then the same nodes restarted (same id, same port). No live node dies or delivers twice;
// every live node connected to the sender delivers every line; the restarted nodes get what follows.
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { CliFixture, type CliEvent, type CliNode, type CliProcess } from "../cli/cli-process.js";

const cli = new CliFixture();
afterEach(() => cli.cleanup(), 30_000);

const WAIT = 20_000;
/** Short keepalive timings: a dead peer is noticed, and a lost bootstrap peer redialled, within seconds. */
const CONFIG = { keepalive: { intervalMs: 500, timeoutMs: 2000, redialBaseMs: 200, redialMaxMs: 1000 } };

/** Starts node `id` on `port` (0: any), bootstrapping to the given addresses. */
async function startNode(id: string, port: number, bootstrap: readonly CliNode[]): Promise<CliNode> {
  const args = ["start", "--json", "--host", "127.0.0.1", "--port", String(port), "--id", id, "--insecure"];
  for (const peer of bootstrap) args.push("--bootstrap", peer.address);
  return cli.node(args, { defaults: false, config: CONFIG });
}

/** Asks `/peers` until the node reports at least `count` connected peers. */
async function untilPeers(node: CliNode, count: number, timeoutMs = WAIT): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    node.proc.send("/peers");
    const answer = await node.proc.waitForNext((e) => e.event === "peers", `${node.id}'s answer to /peers`);
    const peers = answer.peers as Array<{ id: string }>;
    if (peers.length >= count) return;
    if (Date.now() > deadline) throw new Error(`${node.id} has ${peers.length} peers (${peers.map((p) => p.id).join(", ")}), not ${count}\n${node.proc.describe()}`);
    await sleep(200);
  }
}

const isBroadcast = (e: CliEvent) => e.event === "broadcast";
const textOf = (e: CliEvent) => (e.msg as { text?: unknown } | null)?.text;

/** Waits until `proc` has delivered every one of `texts`. */
async function untilDelivered(who: string, proc: CliProcess, texts: readonly string[], timeoutMs = WAIT): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = new Set(proc.filter(isBroadcast).map(textOf));
    const missing = texts.filter((t) => !got.has(t));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${who} is missing ${missing.length} lines: ${missing.slice(0, 10).join(", ")}\n${proc.describe()}`);
    await sleep(50);
  }
}

/** Every broadcast id delivered more than once by this process. */
function duplicates(proc: CliProcess): string[] {
  const counts = new Map<string, number>();
  for (const e of proc.filter(isBroadcast)) counts.set(e.id as string, (counts.get(e.id as string) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([id, n]) => `${id} x${n}`);
}

describe("process faults: kill -9 mid-broadcast, then restart", { timeout: 180_000 }, () => {
  it("keeps every live node up, delivers each line once to every live node, and serves the restarted nodes", async () => {
    // A bootstrap chain; ADVERTISE meshes the five.
    const n0 = await startNode("n0", 0, []);
    const n1 = await startNode("n1", 0, [n0]);
    const n2 = await startNode("n2", 0, [n1]);
    const n3 = await startNode("n3", 0, [n2]);
    const n4 = await startNode("n4", 0, [n3]);
    await Promise.all([n0, n1, n2, n3, n4].map((node) => untilPeers(node, 4)));

    // n2 streams 50 numbered lines over ~1.5 s; n1 and n3 are killed with SIGKILL in the middle of it.
    const sender = n2;
    const lines = Array.from({ length: 50 }, (_, i) => `line ${String(i + 1).padStart(2, "0")}`);
    for (const [i, line] of lines.entries()) {
      sender.proc.send(line);
      if (i === 17) await n1.proc.kill();
      if (i === 29) await n3.proc.kill();
      await sleep(30);
    }
    expect(n1.proc.exitStatus?.signal).toBe("SIGKILL");
    expect(n3.proc.exitStatus?.signal).toBe("SIGKILL");

    // Every node that stayed alive (all directly connected to the sender) delivers every line.
    for (const node of [n0, n4]) await untilDelivered(node.id, node.proc, lines);
    for (const node of [n0, n2, n4]) expect(node.proc.exitStatus, `${node.id} still running`).toBeUndefined();

    // Restart the killed nodes on their own ports and ids, bootstrapping to a live node.
    const r1 = await startNode("n1", n1.port, [n0]);
    await untilPeers(r1, 3);
    const r3 = await startNode("n3", n3.port, [n4]);
    const all = [n0, r1, n2, r3, n4];
    await Promise.all(all.map((node) => untilPeers(node, 4)));

    // Lines broadcast after the rejoin reach all five (the sender excepted: it does not deliver its own).
    const after = Array.from({ length: 5 }, (_, i) => `after restart ${i + 1}`);
    for (const line of after) {
      sender.proc.send(line);
      await sleep(30);
    }
    const others = all.filter((node) => node !== sender);
    await Promise.all(others.map((node) => untilDelivered(node.id, node.proc, after)));
    // And a line from a restarted node reaches everyone too.
    r1.proc.send("from the restarted n1");
    await Promise.all(all.filter((node) => node !== r1).map((node) => untilDelivered(node.id, node.proc, ["from the restarted n1"])));
    // A final marker: once it arrived everywhere, any late duplicate of earlier lines would have too.
    n0.proc.send("marker");
    await Promise.all(all.filter((node) => node !== n0).map((node) => untilDelivered(node.id, node.proc, ["marker"])));

    // No process, live or restarted (nor the killed ones before they died), delivered any id twice.
    for (const node of [...all, n1, n3]) expect(duplicates(node.proc), `${node.id} (pid ${node.proc.pid}) delivered twice`).toEqual([]);
    for (const node of [n0, n4]) {
      expect(node.proc.filter(isBroadcast).filter((e) => lines.includes(textOf(e) as string))).toHaveLength(lines.length);
    }
    expect(sender.proc.filter(isBroadcast).filter((e) => e.originator === "n2")).toEqual([]);

    // Nobody died; everyone stops cleanly.
    for (const node of all) expect(node.proc.exitStatus, `${node.id} still running`).toBeUndefined();
    const statuses = await Promise.all(all.map((node) => node.proc.stop()));
    expect(statuses).toEqual(all.map(() => ({ code: 0, signal: null })));
  });
});
