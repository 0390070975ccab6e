// Benchmarks 2 and 3, broadcast and plain flood: N nodes in one process (a fresh process per system and
// N, so that RSS is its own), real TCP on 127.0.0.1, the same seeded random topology for both.
// Usage: node bench/broadcast.mjs [--n 10,50,100] [--system both|peerkit|flood]
import { fileURLToPath } from "node:url";
import { benchSeed, runWorker } from "./lib/common.mjs";
import { printRatioTable, printSystemTable, printTopology } from "./lib/tables.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const sizes = arg("n", process.env.BENCH_N ?? "10,50,100").split(",").map(Number);
const which = arg("system", "both");
const systems = which === "both" ? ["peerkit", "flood"] : [which];
const worker = fileURLToPath(new URL("./net-worker.mjs", import.meta.url));

console.log(`# broadcast: N nodes in one process, TCP on 127.0.0.1, seed ${benchSeed()} (BENCH_SEED), node ${process.version}`);
console.log(`# per run: up to 200 single broadcasts (12 s budget, 5 s timeout each), then a burst of 10,000 from one node (30 s cap); each run in its own process, killed after 60 s`);
const results = { peerkit: [], flood: [] };
for (const n of sizes) {
  for (const system of systems) {
    try {
      results[system].push(await runWorker(worker, [system, String(n)], { timeoutMs: 60_000 }));
    } catch (error) {
      console.log(`${system} N=${n}: ${error.message}`);
    }
  }
}
printTopology(results.peerkit.length ? results.peerkit : results.flood);
if (results.peerkit.length) printSystemTable("peerkit (plugins ping + broadcast)", results.peerkit);
if (results.flood.length) printSystemTable("plain flood on node:net", results.flood);
if (results.peerkit.length && results.flood.length) printRatioTable("ratios peerkit / plain flood", results.peerkit, results.flood);
console.log("\np50/p99: time from broadcast() until every other node delivered it. msgs/s/node: burst deliveries per receiving node per second.");
console.log("copies/node/msg: BROADCAST frames received per receiving node per burst message (duplicates included).");
console.log("RSS/node: (process RSS once connected - RSS before the first node) / N; after burst: the same after the 10,000-message burst.");
for (const note of results.peerkit[0]?.notes ?? []) console.log(`peerkit ${note}`);
for (const note of results.flood[0]?.notes ?? []) console.log(note);
if (process.env.BENCH_JSON) console.log(`BENCH_JSON broadcast ${JSON.stringify(results)}`);
