import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { chatLine, CliFixture, connectedTo, disconnectedFrom, WAIT_MS, type CliNode } from "./cli-process.js";

const cli = new CliFixture();
afterEach(() => cli.cleanup(), 30_000);

/** Short keepalive timings, so that a dead peer is noticed within seconds. */
const KEEPALIVE = { intervalMs: 500, timeoutMs: 2000, redialBaseMs: 200, redialMaxMs: 1000 };

/** Asks `/peers` until the node reports at least `count` connected peers; fails after `WAIT_MS`. */
async function untilPeers(node: CliNode, count: number): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    node.proc.send("/peers");
    const answer = await node.proc.waitForNext((e) => e.event === "peers", `${node.id}'s answer to /peers`);
    if ((answer.peers as unknown[]).length >= count) return;
    if (Date.now() > deadline) throw new Error(`${node.id} has ${(answer.peers as unknown[]).length} peers, not ${count}\n${node.proc.describe()}`);
    await sleep(200);
  }
}

describe("peerkit start: a node of the network is killed", { timeout: 120_000 }, () => {
  it("after kill -9 of one node of four, the others see it disconnect and a broadcast still reaches every live node once", async () => {
    const config = { keepalive: KEEPALIVE };
    const a = await cli.node([], { config });
    const b = await cli.node(["--bootstrap", a.address], { config });
    const c = await cli.node(["--bootstrap", b.address], { config });
    const d = await cli.node(["--bootstrap", c.address], { config });
    const nodes = [a, b, c, d];
    await Promise.all(nodes.map((node) => untilPeers(node, 2)));

    const live = [a, c, d];
    const before = live.map((node) => node.proc.events.length);
    await b.proc.kill();
    expect(b.proc.exitStatus?.signal).toBe("SIGKILL");

    await Promise.all(
      live.map((node, index) =>
        node.proc.waitFor(disconnectedFrom(b.id), `${node.id} to see the killed node ${b.id} disconnect`, { from: before[index], timeoutMs: KEEPALIVE.timeoutMs + 15_000 }),
      ),
    );

    a.proc.send("after the kill");
    await Promise.all([c, d].map((node) => node.proc.waitFor(chatLine("after the kill"), `${node.id} to receive a's line after the kill`)));
    // Once the later marker arrived everywhere, any duplicate of the first line would have arrived too.
    a.proc.send("marker after the kill");
    await Promise.all([c, d].map((node) => node.proc.waitFor(chatLine("marker after the kill"), `${node.id} to receive a's marker`)));
    for (const node of [c, d]) expect(node.proc.filter(chatLine("after the kill")), `${node.id} receiving a's line`).toHaveLength(1);
    expect(a.proc.filter(chatLine("after the kill"))).toEqual([]);

    // A dead peer is reported gone once, not again by keepalive or by failed redials.
    for (const [index, node] of live.entries()) {
      expect(node.proc.events.slice(before[index]).filter(disconnectedFrom(b.id)), `${node.id}'s disconnects from ${b.id}`).toHaveLength(1);
    }
    for (const node of live) expect(node.proc.exitStatus, `${node.id} still running`).toBeUndefined();
    const statuses = await Promise.all(live.map((node) => node.proc.stop()));
    expect(statuses).toEqual(live.map(() => ({ code: 0, signal: null })));
  });

  it("drops a stalled node (SIGSTOP: its sockets stay open) after the keepalive timeout, and reconnects it once it resumes", async () => {
    const config = { keepalive: KEEPALIVE };
    const a = await cli.node([], { config });
    const b = await cli.node(["--bootstrap", a.address], { config });
    const c = await cli.node(["--bootstrap", b.address], { config });
    await Promise.all([a, b, c].map((node) => untilPeers(node, 2)));

    const before = [a, c].map((node) => node.proc.events.length);
    b.proc.signal("SIGSTOP");
    try {
      const drops = await Promise.all(
        [a, c].map((node, index) =>
          node.proc.waitFor(disconnectedFrom(b.id), `${node.id} to drop the stalled node ${b.id}`, { from: before[index], timeoutMs: KEEPALIVE.timeoutMs + 15_000 }),
        ),
      );
      for (const drop of drops) expect(drop.reason).toEqual(expect.any(String));

      a.proc.send("while b is stalled");
      await c.proc.waitFor(chatLine("while b is stalled"), "c to receive a's line while b is stalled");
    } finally {
      b.proc.signal("SIGCONT");
    }

    // c keeps b (its bootstrap peer), so it redials b once b answers again.
    const resumed = c.proc.events.length;
    await c.proc.waitFor(connectedTo(b.id), "c to reconnect to b after it resumed", { from: resumed, timeoutMs: KEEPALIVE.redialMaxMs + 15_000 });
    c.proc.send("b is back");
    await b.proc.waitFor(chatLine("b is back"), "b to receive c's line after it resumed");

    const statuses = await Promise.all([a, b, c].map((node) => node.proc.stop()));
    expect(statuses).toEqual([a, b, c].map(() => ({ code: 0, signal: null })));
  });
});
