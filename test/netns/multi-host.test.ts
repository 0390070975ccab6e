/**
 * Several hosts: three peerkit CLI nodes, each in its own network namespace with its own address,
 * joined by veth pairs to a bridge in a fourth ("switch") namespace. Host C's cable is pulled (its
 * interface set down: no FIN, no RST, only silence), so the others must notice by keepalive timeout;
 * then it is plugged back and C must rejoin by redialling its bootstrap peer, and chat must flow again.
 *
 * All traffic stays inside the namespaces the test creates (10.231.0.0/24 exists only there). Needs
 * root and iproute2; skipped with the reason where `ip netns` is unusable, or with PEERKIT_NETNS=off
 * (PEERKIT_NETNS=require makes an unusable `ip netns` a failure instead). PEERKIT_NETNS_TRACE=1 prints
 * every node's events at the end.
 */
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { chatLine, connectedTo, disconnectedFrom, type CliEvent } from "../cli/cli-process.js";
import { listNamespaces, netnsUnavailable, NetnsNodes, NetnsTopology, sweepStaleNamespaces, type NetnsNode } from "./netns.js";

/** Generous: CI machines are shared and slow. */
const WAIT = 20_000;

/**
 * Fast keepalive, so a lost host is noticed in about 1.5 s and redialled within about 1 s; and a peer
 * exchange backoff shorter than that outage (the default 60 s would keep C from redialling B, which it
 * dialled by peer exchange moments before, until a minute after that first dial).
 */
const CONFIG = {
  keepalive: { intervalMs: 300, timeoutMs: 1500, redialBaseMs: 200, redialMaxMs: 1000 },
  limits: { peerExchangeBackoffMs: 1000 },
};

const unavailable = netnsUnavailable();
if (unavailable !== undefined) {
  console.warn(`[test/netns] skipping the several-hosts test: network namespaces are not usable here: ${unavailable}`);
}

describe("several hosts in network namespaces", () => {
  const topology = new NetnsTopology(["a", "b", "c"]);
  const nodes = new NetnsNodes();
  let a!: NetnsNode;
  let b!: NetnsNode;
  let c!: NetnsNode;
  /** Set when a step fails: the later steps depend on it and are skipped rather than timing out again. */
  let failedStep: string | undefined;

  /**
   * Skips the test where namespaces are unusable (fails instead with PEERKIT_NETNS=require, for a CI
   * that must not pass without running it), or when an earlier step failed.
   */
  function precondition(ctx: TestContext): void {
    if (unavailable !== undefined && process.env.PEERKIT_NETNS === "require") {
      throw new Error(`PEERKIT_NETNS=require, but network namespaces are not usable here: ${unavailable}`);
    }
    ctx.skip(unavailable !== undefined, `network namespaces are not usable here: ${unavailable}`);
    ctx.skip(failedStep !== undefined, `an earlier step failed (${failedStep})`);
  }

  /** Runs a step's body; a failure is remembered so that the steps after it are skipped. */
  async function step(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      failedStep = name;
      throw error;
    }
  }

  beforeAll(async () => {
    if (unavailable !== undefined) return;
    const swept = await sweepStaleNamespaces();
    if (swept.length > 0) console.warn(`[test/netns] deleted namespaces left by an earlier, killed run: ${swept.join(", ")}`);
    await topology.create();
    const ha = topology.host("a");
    const hb = topology.host("b");
    const hc = topology.host("c");
    a = await nodes.start(ha, ["--id", "host-a"], CONFIG);
    // One at a time, so that C's peer exchange with A (ADVERTISE) already lists B.
    b = await nodes.start(hb, ["--id", "host-b", "--bootstrap", a.address], CONFIG);
    await b.proc.waitFor(connectedTo(a.id), "B to connect to A", { timeoutMs: WAIT });
    // --debug: C's log shows its redial attempts, which the rejoin step waits for.
    c = await nodes.start(hc, ["--id", "host-c", "--debug", "--bootstrap", a.address], CONFIG);
  }, 60_000);

  afterAll(async () => {
    if (unavailable !== undefined) return;
    if (process.env.PEERKIT_NETNS_TRACE) {
      for (const n of nodes.nodes) console.log(`events of host ${n.host.name} (${n.id}):\n  ${n.proc.events.map((e) => JSON.stringify(e)).join("\n  ")}`);
    }
    const stopProblems = await nodes.cleanup();
    const deleteProblems = await topology.destroy();
    const leftover = (await listNamespaces()).filter((ns) => ns.startsWith(`${topology.prefix}-`));
    expect(deleteProblems, "every namespace the test created is deleted").toEqual([]);
    expect(leftover, "no namespace of this run is left (ip netns list)").toEqual([]);
    expect(stopProblems, "every node exits with code 0 on SIGTERM").toEqual([]);
  }, 60_000);

  it("connects the three hosts, and a chat line from A reaches B and C", async (ctx) => {
    precondition(ctx);
    await step("initial connection", async () => {
      await Promise.all([
        a.proc.waitFor(connectedTo(b.id), "A to connect to B", { timeoutMs: WAIT }),
        a.proc.waitFor(connectedTo(c.id), "A to connect to C", { timeoutMs: WAIT }),
        b.proc.waitFor(connectedTo(c.id), "B to connect to C (C learnt B from A)", { timeoutMs: WAIT }),
        c.proc.waitFor(connectedTo(a.id), "C to connect to A", { timeoutMs: WAIT }),
        c.proc.waitFor(connectedTo(b.id), "C to connect to B", { timeoutMs: WAIT }),
      ]);
      // The addresses peers see are the namespace addresses, not loopback: the nodes really are apart.
      const cAsSeenByA = a.proc.events.find(connectedTo(c.id))!.peer as { host: string };
      expect(cAsSeenByA.host).toBe(c.host.addr);

      a.proc.send("hello from a");
      await Promise.all([
        b.proc.waitFor(chatLine("hello from a"), "B to receive A's line", { timeoutMs: WAIT }),
        c.proc.waitFor(chatLine("hello from a"), "C to receive A's line", { timeoutMs: WAIT }),
      ]);
    });
  }, 60_000);

  it("notices a host whose link goes down, on both sides (keepalive timeout)", async (ctx) => {
    precondition(ctx);
    await step("link down", async () => {
      const from = (n: NetnsNode): { from: number; timeoutMs: number } => ({ from: n.proc.events.length, timeoutMs: WAIT });
      const [fromA, fromB, fromC] = [from(a), from(b), from(c)];
      await topology.cut(c.host);

      const [aLost, bLost] = await Promise.all([
        a.proc.waitFor(disconnectedFrom(c.id), "A to drop C after C's link went down", fromA),
        b.proc.waitFor(disconnectedFrom(c.id), "B to drop C after C's link went down", fromB),
        c.proc.waitFor(disconnectedFrom(a.id), "C to drop A after its link went down", fromC),
        c.proc.waitFor(disconnectedFrom(b.id), "C to drop B after its link went down", fromC),
      ]);
      // A pulled cable sends nothing: only the keepalive timeout can have noticed.
      expect(aLost.reason).toMatch(/keepalive timeout/);
      expect(bLost.reason).toMatch(/keepalive timeout/);
    });
  }, 60_000);

  it("rejoins the restored host, and chat crosses hosts again, each line once", async (ctx) => {
    precondition(ctx);
    await step("link up", async () => {
      // Keep C cut off until it has tried to redial A and failed (ENETUNREACH: its link is down), so that
      // the rejoin below comes from a retry after backoff, as after any real outage, not a lucky first try.
      const failedRedials = (log: string): number => log.split("redial failed").length - 1;
      const failedBefore = failedRedials(c.proc.stderr);
      await nodes.waitForLog(c, (log) => failedRedials(log) > failedBefore, "C to fail a redial of A while its link is down (its --debug log)", WAIT);
      const fromA = a.proc.events.length;
      const fromC = c.proc.events.length;
      await topology.restore(c.host);

      // C's bootstrap peer is A: C's keepalive plugin redials it. (A did not join C, so it does not redial.)
      await Promise.all([
        c.proc.waitFor(connectedTo(a.id), "C to reconnect to A (its bootstrap peer) after the link came back", { from: fromC, timeoutMs: WAIT }),
        a.proc.waitFor(connectedTo(c.id), "A to see C connect again", { from: fromA, timeoutMs: WAIT }),
      ]);

      // The redial is followed by a peer exchange with A, so C finds B again: the mesh is rebuilt,
      // not left a star around A.
      await c.proc.waitFor(connectedTo(b.id), "C to reconnect to B through A's advertisement", { from: fromC, timeoutMs: WAIT });

      c.proc.send("back from c");
      await Promise.all([
        a.proc.waitFor(chatLine("back from c"), "A to receive C's line after the rejoin", { timeoutMs: WAIT }),
        b.proc.waitFor(chatLine("back from c"), "B to receive C's line after the rejoin", { timeoutMs: WAIT }),
      ]);
      a.proc.send("hello again from a");
      await Promise.all([
        b.proc.waitFor(chatLine("hello again from a"), "B to receive A's second line", { timeoutMs: WAIT }),
        c.proc.waitFor(chatLine("hello again from a"), "C to receive A's line after the rejoin", { timeoutMs: WAIT }),
      ]);

      // Before counting, a fence: one more line from each node, awaited at the other two, so that a
      // duplicate still in flight has had a full round trip of the network to show up.
      const all = [a, b, c];
      for (const sender of all) sender.proc.send(`fence from ${sender.host.name}`);
      await Promise.all(
        all.flatMap((sender) =>
          all
            .filter((receiver) => receiver !== sender)
            .map((receiver) => receiver.proc.waitFor(chatLine(`fence from ${sender.host.name}`), `${receiver.host.name} to receive the fence of ${sender.host.name}`, { timeoutMs: WAIT })),
        ),
      );

      const count = (n: NetnsNode, text: string): number => n.proc.filter(chatLine(text)).length;
      const counts = (text: string): Record<string, number> => ({ a: count(a, text), b: count(b, text), c: count(c, text) });
      // A node does not deliver its own broadcast to itself; every other node delivers it exactly once.
      expect(counts("hello from a")).toEqual({ a: 0, b: 1, c: 1 });
      expect(counts("back from c")).toEqual({ a: 1, b: 1, c: 0 });
      expect(counts("hello again from a")).toEqual({ a: 0, b: 1, c: 1 });
      // Every broadcast event is for a distinct message id (no id delivered twice under another text).
      for (const n of all) {
        const ids = n.proc.filter((e: CliEvent) => e.event === "broadcast").map((e) => e.id);
        expect(new Set(ids).size, `broadcast ids delivered at ${n.host.name}`).toBe(ids.length);
      }
    });
  }, 60_000);
});
