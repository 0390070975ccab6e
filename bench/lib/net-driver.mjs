// The broadcast workload, run the same way against any network adapter (peerkit, plain flood, libp2p).
//
// An adapter has: start(n) (creates and starts n nodes, listening on 127.0.0.1), connect(edges)
// (node a dials node b for each [a, b]), degree(i) (connected peers of node i), broadcast(i, msg)
// (may return a promise), onDeliver(cb(i, msg)) (once per message per node, at the application),
// onFrame(cb(i)) (every copy of a broadcast that reaches node i, duplicates included), shutdown().
import { Session } from "node:inspector/promises";
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { MiB, mean, percentile, prng, randomTopology, settleMemory, sleep, waitForTopology } from "./common.mjs";

/**
 * Runs the workload; returns a plain result object.
 * - first contact: each node broadcasts once, one at a time (seeded order, at most `firstContactBudgetMs`),
 *   so that the samples measure a network whose nodes have all heard from each other; reported apart.
 * - warmup: broadcasts one at a time before the samples, not measured (JIT, buffers, TLS records).
 * - samples: one broadcast at a time from a random node, time until every other node delivered it
 *   (at most `samples`, and no longer than `sampleBudgetMs` in all).
 * - burst: `burst` broadcasts from one node, issued in chunks of `chunk` per event-loop turn; the rate
 *   is deliveries per receiving node divided by the time from the first send to the last delivery, or
 *   to `burstCapMs` when delivery is incomplete by then (flagged `capped`).
 */
export async function runNetwork(adapter, { system, n, seed, samples, sampleBudgetMs, burst, chunk = 500, burstCapMs, sampleTimeoutMs = 5_000, warmup = 0, firstContactBudgetMs = 30_000 }) {
  const rand = prng(seed ^ 0x5eed);
  const topo = randomTopology(n, seed);

  await settleMemory();
  const base = process.memoryUsage();
  const rssBase = base.rss;

  // Deliveries, counted per message key (msg.k) and in total.
  const maxKeys = n + warmup + samples + burst + 16;
  const delivered = new Int32Array(maxKeys);
  let totalDelivered = 0;
  let lastDeliveryAt = 0;
  let waiter; // { k, resolve } or { total, resolve }
  let frames = 0;
  adapter.onDeliver((_i, msg) => {
    const k = msg.k;
    const c = ++delivered[k];
    totalDelivered++;
    lastDeliveryAt = performance.now();
    if (waiter === undefined) return;
    if (waiter.k === k ? c === n - 1 : waiter.total !== undefined && totalDelivered >= waiter.total) waiter.resolve();
  });
  // An adapter that can count frames itself (`frameCount()`) is not asked to report each one.
  const frameCount = adapter.frameCount ? () => adapter.frameCount() - framesBase : () => frames;
  let framesBase = 0;
  if (!adapter.frameCount)
    adapter.onFrame(() => {
      frames++;
    });
  const until = (w, ms) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiter = undefined;
        resolve(false);
      }, ms);
      waiter = {
        ...w,
        resolve: () => {
          clearTimeout(timer);
          waiter = undefined;
          resolve(true);
        },
      };
    });

  let t = performance.now();
  await adapter.start(n);
  const startMs = performance.now() - t;

  t = performance.now();
  await adapter.connect(topo.edges);
  await waitForTopology(adapter, topo, system);
  const connectMs = performance.now() - t;
  if (adapter.ready) await adapter.ready();

  await settleMemory();
  const rssConnected = process.memoryUsage().rss;

  let k = 0; // the next message key
  // One broadcast at a time from `origin`, awaited until every other node delivered it (or the timeout).
  const once = async (origin, text) => {
    const key = k++;
    const done = until({ k: key }, sampleTimeoutMs);
    const t0 = performance.now();
    await adapter.broadcast(origin, { k: key, text });
    const ok = await done;
    return { latency: ok ? performance.now() - t0 : Infinity, reached: delivered[key] };
  };

  // First contact: every node broadcasts once, one at a time, in a seeded random order, so that before
  // the samples every node has heard every originator once (a secure node checks a new originator's key
  // once, ~0.15 ms, then caches it; gossipsub forms its mesh). Measured apart: `firstContactP99Ms`.
  const firstContact = [];
  const contactOrder = shuffled(n, prng(seed ^ 0xc0de));
  const contactEnd = performance.now() + firstContactBudgetMs;
  for (const origin of contactOrder) {
    if (performance.now() >= contactEnd) break;
    firstContact.push((await once(origin, "benchmark first contact")).latency);
  }
  firstContact.sort((a, b) => a - b);

  // Warm-up: `warmup` broadcasts one at a time from random nodes, not measured.
  // Its own PRNG, so the samples' origins are those of a run without warm-up.
  const warmRand = prng(seed ^ 0x3a3a);
  for (let w = 0; w < warmup; w++) await once(Math.floor(warmRand() * n), "benchmark warm-up");

  // One broadcast at a time.
  const latencies = [];
  let lost = 0;
  let reached = 0; // receivers that delivered, summed over samples
  const budgetEnd = performance.now() + sampleBudgetMs;
  const profiler = await startPhaseProfile();
  // CPU time of this process (every node is in it): a figure the machine's other load moves less than time.
  const sampleCpu0 = process.cpuUsage();
  for (let s = 0; s < samples && performance.now() < budgetEnd; s++) {
    const sample = await once(Math.floor(rand() * n), "benchmark sample");
    reached += sample.reached;
    latencies.push(sample.latency); // not delivered everywhere within sampleTimeoutMs: counts as infinitely late
    if (!Number.isFinite(sample.latency)) lost++;
  }
  const sampleCpu = process.cpuUsage(sampleCpu0);
  await profiler?.stop(`${system}-n${n}-samples`);
  latencies.sort((a, b) => a - b);

  // Burst from one node.
  const burstOrigin = Math.floor(rand() * n);
  const firstBurstKey = k;
  frames = 0;
  framesBase = adapter.frameCount ? adapter.frameCount() : 0;
  totalDelivered = 0;
  const target = burst * (n - 1);
  const burstDone = until({ total: target }, burstCapMs);
  const t0 = performance.now();
  const burstCpu0 = process.cpuUsage();
  let sent = 0;
  while (sent < burst && performance.now() - t0 < burstCapMs) {
    const pending = [];
    for (const end = Math.min(burst, sent + chunk); sent < end; sent++) {
      const r = adapter.broadcast(burstOrigin, { k: k++, text: "benchmark burst" });
      if (r instanceof Promise) pending.push(r);
    }
    if (pending.length) await Promise.all(pending);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const complete = await burstDone;
  const burstCpu = process.cpuUsage(burstCpu0);
  const burstEnd = complete ? lastDeliveryAt : performance.now();
  // Duplicates still in flight after the last delivery are copies too: wait until no frame arrives for
  // 250 ms (at most 5 s) before reading the frame count.
  for (let last = -1, quietSince = performance.now(), end = performance.now() + 5_000; performance.now() < end; await sleep(25)) {
    const now = frameCount();
    if (now !== last) (last = now), (quietSince = performance.now());
    else if (performance.now() - quietSince >= 250) break;
  }
  const burstMs = burstEnd - t0;
  const burstDelivered = totalDelivered;
  const burstFrames = frameCount();
  let fullyDelivered = 0;
  for (let key = firstBurstKey; key < firstBurstKey + sent; key++) if (delivered[key] === n - 1) fullyDelivered++;

  await settleMemory();
  const afterBurst = process.memoryUsage();
  const rssAfterBurst = afterBurst.rss;

  t = performance.now();
  await adapter.shutdown();
  const shutdownMs = performance.now() - t;

  const avgDegree = mean(topo.degree);
  return {
    system,
    n,
    seed,
    edges: topo.edges.length,
    avgDegree,
    maxDegree: Math.max(...topo.degree),
    extraEdges: topo.extraEdges,
    startMs,
    connectMs,
    samples: latencies.length,
    sampleTimeoutMs,
    // Mean share of the other nodes that delivered a sample within sampleTimeoutMs.
    reach: reached / Math.max(1, latencies.length) / (n - 1),
    lost,
    // A sample not delivered everywhere within sampleTimeoutMs is a string "lost (> T ms)" here.
    p50Ms: censored(percentile(latencies, 50), sampleTimeoutMs),
    p99Ms: censored(percentile(latencies, 99), sampleTimeoutMs),
    // The first broadcast of each node (before the samples): what a never-heard originator costs.
    firstContacts: firstContact.length,
    firstContactP50Ms: censored(percentile(firstContact, 50), sampleTimeoutMs),
    firstContactP99Ms: censored(percentile(firstContact, 99), sampleTimeoutMs),
    maxMs: censored(latencies[latencies.length - 1], sampleTimeoutMs),
    meanMs: mean(latencies.filter(Number.isFinite)),
    burst,
    burstSent: sent,
    burstMs,
    burstComplete: complete,
    burstFullyDelivered: fullyDelivered,
    // CPU ms of the whole process per single broadcast (all its hops), and µs per burst delivery.
    cpuMsPerSample: (sampleCpu.user + sampleCpu.system) / 1000 / Math.max(1, latencies.length),
    cpuUsPerBurstDelivery: (burstCpu.user + burstCpu.system) / Math.max(1, totalDelivered),
    // Messages delivered per receiving node per second.
    msgsPerSecPerNode: burstDelivered / (n - 1) / (burstMs / 1000),
    // BROADCAST frames received per receiving node per message (duplicates included).
    copiesPerNodePerMsg: burstFrames / (n - 1) / Math.max(1, sent),
    rssPerNodeMiB: (rssConnected - rssBase) / n / MiB,
    rssAfterBurstPerNodeMiB: (rssAfterBurst - rssBase) / n / MiB,
    // What of it is the JS heap (after GC), and memory outside it (Buffers, OpenSSL, sockets): RSS also holds
    // pages the allocators keep after a peak.
    heapAfterBurstPerNodeMiB: (afterBurst.heapUsed - base.heapUsed) / n / MiB,
    externalAfterBurstPerNodeMiB: (afterBurst.external - base.external) / n / MiB,
    heapTotalAfterBurstPerNodeMiB: (afterBurst.heapTotal - base.heapTotal) / n / MiB,
    shutdownMs,
  };
}

/**
 * BENCH_CPU_PROF=DIR: a V8 CPU profile of the single-broadcast phase only (no start-up, handshakes or
 * burst), written to DIR/<system>-n<N>-samples.cpuprofile for `node bench/profile-top.mjs`.
 */
async function startPhaseProfile() {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return undefined;
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return {
    async stop(name) {
      const { profile } = await session.post("Profiler.stop");
      writeFileSync(`${dir}/${name}.cpuprofile`, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** 0..n-1 in a random order drawn from `rand` (Fisher-Yates). */
function shuffled(n, rand) {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function censored(ms, timeoutMs) {
  return Number.isFinite(ms) || Number.isNaN(ms) ? ms : `lost (> ${timeoutMs} ms)`;
}
