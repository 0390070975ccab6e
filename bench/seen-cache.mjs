// The memory target's second half: the seen-cache stays bounded. 1,000,000 broadcast ids through
// (a) a SeenCache with the default limits and (b) a running node's broadcast plugin (node.broadcast()
// with no peers: each call records its id in `node.plugin("broadcast").seen`). Prints the size as it goes.
import "reflect-metadata";
import { performance } from "node:perf_hooks";
import { randomUUID } from "node:crypto";
import { peerkit } from "./lib/peerkit.mjs";
import { MiB, fmt, printTable, settleMemory } from "./lib/common.mjs";

const { DEFAULT_LIMITS, SeenCache, createNode, silentLogger } = peerkit;

const TOTAL = 1_000_000;
const CHECKPOINTS = [1_000, 10_000, 100_000, 500_000, 1_000_000];

async function measure(label, add, size) {
  await settleMemory();
  const heap0 = process.memoryUsage().heapUsed;
  const rows = [];
  const t0 = performance.now();
  for (let i = 1; i <= TOTAL; i++) {
    add(i);
    if (CHECKPOINTS.includes(i)) rows.push([fmt(i), fmt(size()), fmt(performance.now() - t0)]);
  }
  const ms = performance.now() - t0;
  await settleMemory();
  const heapMiB = (process.memoryUsage().heapUsed - heap0) / MiB;
  printTable(`${label}: ${fmt(TOTAL / (ms / 1000))} ids/s, heap retained after 1,000,000: ${fmt(heapMiB, 2)} MiB`, [["ids fed", "cache size", "elapsed (ms)"], ...rows]);
}

console.log(`# seen-cache: limits.seenCacheSize ${fmt(DEFAULT_LIMITS.seenCacheSize)}, limits.seenCacheTtlMs ${fmt(DEFAULT_LIMITS.seenCacheTtlMs)} (defaults), node ${process.version}`);
const cache = new SeenCache(DEFAULT_LIMITS.seenCacheSize, DEFAULT_LIMITS.seenCacheTtlMs);
const now = Date.now();
await measure("SeenCache.add(randomUUID())", () => cache.add(randomUUID(), now), () => cache.size);

const node = await createNode({ host: "127.0.0.1", port: 0, plugins: ["ping", "broadcast"] }, { logger: silentLogger });
await node.start();
const seen = node.plugin("broadcast").seen;
await measure("node.broadcast() (default limits, no peers)", () => node.broadcast({ text: "x" }), () => seen.size);
await node.shutdown();
