// The node-loss workload: a steady stream of broadcasts from random live nodes, 10% of the nodes killed
// at once a third of the way through, and what reaches the survivors. Runs against the same adapters as
// net-driver.mjs (they also need kill(i); onControl(cb(i, type)) is optional).
import { performance } from "node:perf_hooks";
import { percentile, prng, randomTopology, sleep, waitForTopology } from "./common.mjs";

/** Whether the nodes not in `removed` are connected. */
function connectedWithout(neighbours, removed) {
  const live = neighbours.map((_, i) => i).filter((i) => !removed.has(i));
  const seen = new Set([live[0]]);
  const stack = [live[0]];
  while (stack.length) for (const m of neighbours[stack.pop()]) if (!removed.has(m) && !seen.has(m)) (seen.add(m), stack.push(m));
  return seen.size === live.length;
}

/**
 * Runs the workload; returns a plain result object.
 * - warm-up: `warmup` broadcasts one at a time, each awaited everywhere (a tree-mode network prunes to
 *   its tree here).
 * - stream: `messages` broadcasts from random live nodes, one every `intervalMs`; after a third of them,
 *   `killFraction` of the nodes are shut down at once (drawn, with the seed, so that the survivors stay
 *   connected: what is measured is the protocol, not a cut network).
 * - then up to `settleMs` for the last deliveries, and until no BROADCAST frame arrived for 250 ms.
 * Copies and control frames are counted at the surviving nodes during the stream, per expected delivery.
 */
export async function runLoss(adapter, { system, n, seed, warmup = 100, messages = 400, intervalMs = 10, killFraction = 0.1, settleMs = 8_000 }) {
  const rand = prng(seed ^ 0x1055);
  const topo = randomTopology(n, seed);
  const total = warmup + messages;
  // deliveredBy[i][k]: deliveries of message k at node i (more than 1 would be a duplicate delivery).
  const deliveredBy = Array.from({ length: n }, () => new Uint8Array(total));
  const senders = new Int32Array(total).fill(-1);
  const sentAt = new Float64Array(total);
  const fullAt = new Float64Array(total); // when every live node but the sender had it (post-kill messages)
  const liveCount = new Int32Array(total);
  const allCount = new Int32Array(total);
  const beforeAt = new Float64Array(total); // deliveries at nodes alive at the end (set up after the kill)
  const dead = new Set();
  let killed = false;
  let duplicateDeliveries = 0;
  const frames = new Float64Array(n);
  const control = new Float64Array(n);
  const grafts = new Float64Array(n);

  adapter.onDeliver((i, msg) => {
    const k = msg.k;
    if (++deliveredBy[i][k] > 1) duplicateDeliveries++;
    if (!killed) {
      if (++allCount[k] === n - 1) beforeAt[k] = performance.now();
      return;
    }
    if (dead.has(i)) return;
    if (++liveCount[k] === n - dead.size - 1) fullAt[k] = performance.now();
  });
  adapter.onFrame((i) => frames[i]++);
  adapter.onControl?.((i, type) => {
    control[i]++;
    if (type === "GRAFT") grafts[i]++;
  });

  await adapter.start(n);
  await adapter.connect(topo.edges);
  await waitForTopology(adapter, topo, system);
  if (adapter.ready) await adapter.ready();

  // Warm-up, one at a time.
  for (let k = 0; k < warmup; k++) {
    const from = Math.floor(rand() * n);
    senders[k] = from;
    adapter.broadcast(from, { k, text: "warm-up" });
    const deadline = performance.now() + 5_000;
    while (performance.now() < deadline && deliveredBy.some((row, i) => i !== from && row[k] === 0)) await sleep(2);
  }
  await sleep(1_000); // let the last IHAVE batches and GRAFT timers of the warm-up run out
  frames.fill(0);
  control.fill(0);
  grafts.fill(0);

  // The stream, with the loss a third of the way through.
  const killAt = warmup + Math.floor(messages / 3);
  const victims = new Set();
  const t0 = performance.now();
  for (let k = warmup; k < total; k++) {
    if (k === killAt) {
      const count = Math.max(1, Math.round(n * killFraction));
      do {
        victims.clear();
        while (victims.size < count) victims.add(Math.floor(rand() * n));
      } while (!connectedWithout(topo.neighbours, victims));
      for (const v of victims) dead.add(v);
      killed = true;
      await Promise.all([...victims].map((v) => adapter.kill(v)));
    }
    const live = [...Array(n).keys()].filter((i) => !dead.has(i));
    const from = live[Math.floor(rand() * live.length)];
    senders[k] = from;
    sentAt[k] = performance.now();
    adapter.broadcast(from, { k, text: "stream" });
    const next = t0 + (k - warmup + 1) * intervalMs;
    await sleep(Math.max(0, next - performance.now()));
  }
  const live = [...Array(n).keys()].filter((i) => !dead.has(i));
  const missingAt = (k) => live.filter((i) => i !== senders[k] && deliveredBy[i][k] === 0).length;
  const settleEnd = performance.now() + settleMs;
  while (performance.now() < settleEnd) {
    let missing = 0;
    for (let k = warmup; k < total; k++) missing += missingAt(k);
    if (missing === 0) break;
    await sleep(25);
  }
  for (let last = -1, quietSince = performance.now(), end = performance.now() + 5_000; performance.now() < end; await sleep(25)) {
    const now = frames.reduce((a, b) => a + b, 0);
    if (now !== last) (last = now), (quietSince = performance.now());
    else if (performance.now() - quietSince >= 250) break;
  }

  const share = (from, to) => {
    let expected = 0;
    let got = 0;
    for (let k = from; k < to; k++) {
      const receivers = live.filter((i) => i !== senders[k]);
      expected += receivers.length;
      got += receivers.filter((i) => deliveredBy[i][k] > 0).length;
    }
    return { expected, got, percent: (100 * got) / Math.max(1, expected) };
  };
  const all = share(warmup, total);
  const after = share(killAt, total);
  const latencies = [];
  for (let k = killAt; k < total; k++) latencies.push(fullAt[k] > 0 ? fullAt[k] - sentAt[k] : Infinity);
  latencies.sort((a, b) => a - b);
  const before = [];
  for (let k = warmup; k < killAt; k++) before.push(beforeAt[k] > 0 ? beforeAt[k] - sentAt[k] : Infinity);
  before.sort((a, b) => a - b);
  const sumLive = (xs) => live.reduce((sum, i) => sum + xs[i], 0);
  await adapter.shutdown();
  return {
    system,
    n,
    seed,
    avgDegree: topo.degree.reduce((a, b) => a + b, 0) / n,
    warmup,
    messages,
    intervalMs,
    killed: victims.size,
    killedAfter: killAt - warmup,
    deliveryPercent: all.percent,
    deliveryPercentAfterLoss: after.percent,
    missedDeliveries: all.expected - all.got,
    duplicateDeliveries,
    copiesPerNodePerMsg: sumLive(frames) / Math.max(1, all.expected),
    controlPerNodePerMsg: sumLive(control) / Math.max(1, all.expected),
    graftsReceived: sumLive(grafts),
    p50BeforeLossMs: percentile(before, 50),
    p99BeforeLossMs: percentile(before, 99),
    p50AfterLossMs: percentile(latencies, 50),
    p99AfterLossMs: percentile(latencies, 99),
  };
}
