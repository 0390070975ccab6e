// Benchmarks 2 and 3, broadcast and plain flood: N nodes in one process (a fresh process per system and
// N, so that RSS is its own), real TCP on 127.0.0.1, the same seeded random topology for both.
// With --mode tree, also peerkit's tree mode (Plumtree) on the same workload, and the node-loss workload
// (10% of the nodes killed mid-stream) for peerkit flood, peerkit tree and the plain flood.
// Usage: node bench/broadcast.mjs [--n 10,50,100] [--system both|peerkit|flood] [--mode flood|tree]
import { fileURLToPath } from "node:url";
import { benchSeed, runWorker } from "./lib/common.mjs";
import { printLossTable, printRatioTable, printSystemTable, printTopology } from "./lib/tables.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const mode = arg("mode", "flood");
if (!["flood", "tree"].includes(mode)) {
  console.error("usage: node bench/broadcast.mjs [--n 10,50,100] [--system both|peerkit|flood] [--mode flood|tree]");
  process.exit(2);
}
const sizes = arg("n", process.env.BENCH_N ?? (mode === "tree" ? "50" : "10,50,100")).split(",").map(Number);
const which = arg("system", "both");
const systems = which === "both" ? ["peerkit", "flood"] : [which];
const worker = fileURLToPath(new URL("./net-worker.mjs", import.meta.url));
const treeWorker = fileURLToPath(new URL("./lib/tree-worker.mjs", import.meta.url));

console.log(`# broadcast: N nodes in one process, TCP on 127.0.0.1, seed ${benchSeed()} (BENCH_SEED), node ${process.version}`);
console.log(`# per run: up to 200 single broadcasts (12 s budget, 5 s timeout each), then a burst of 10,000 from one node (30 s cap); each run in its own process, killed after 60 s`);
const results = { peerkit: [], flood: [], tree: [], loss: [] };
for (const n of sizes) {
  for (const system of systems) {
    try {
      results[system].push(await runWorker(worker, [system, String(n)], { timeoutMs: 60_000 }));
    } catch (error) {
      console.log(`${system} N=${n}: ${error.message}`);
    }
  }
  if (mode !== "tree") continue;
  try {
    results.tree.push(await runWorker(treeWorker, ["net", "peerkit-tree", String(n)], { timeoutMs: 60_000 }));
  } catch (error) {
    console.log(`peerkit-tree N=${n}: ${error.message}`);
  }
  for (const system of ["peerkit", "peerkit-tree", "flood"]) {
    try {
      results.loss.push(await runWorker(treeWorker, ["loss", system, String(n)], { timeoutMs: 60_000 }));
    } catch (error) {
      console.log(`${system} N=${n} (node loss): ${error.message}`);
    }
  }
}
printTopology(results.peerkit.length ? results.peerkit : results.flood.length ? results.flood : results.tree);
if (results.peerkit.length) printSystemTable("peerkit (plugins ping + broadcast)", results.peerkit);
if (results.tree.length) printSystemTable("peerkit, broadcast.mode tree (Plumtree)", results.tree);
if (results.flood.length) printSystemTable("plain flood on node:net", results.flood);
if (results.peerkit.length && results.flood.length) printRatioTable("ratios peerkit / plain flood", results.peerkit, results.flood);
if (results.tree.length && results.peerkit.length) printRatioTable("ratios peerkit tree / peerkit flood", results.tree, results.peerkit);
if (results.tree.length && results.flood.length) printRatioTable("ratios peerkit tree / plain flood", results.tree, results.flood);
console.log("\np50/p99: time from broadcast() until every other node delivered it. msgs/s/node: burst deliveries per receiving node per second.");
console.log("copies/node/msg: BROADCAST frames received per receiving node per burst message (duplicates included).");
console.log("RSS/node: (process RSS once connected - RSS before the first node) / N; after burst: the same after the 10,000-message burst.");
if (results.tree.length) console.log("tree mode: the 200 single broadcasts are also its warm-up (duplicates prune the tree there); copies are counted in the burst.");
if (results.loss.length) {
  const r = results.loss[0];
  printLossTable(
    `node loss: ${r.warmup} warm-up broadcasts one at a time, then ${r.messages} from random live nodes, one every ${r.intervalMs} ms; ${r.killed} nodes (10%) killed at once after ${r.killedAfter} (drawn so the survivors stay connected)`,
    results.loss,
  );
  console.log("delivered: deliveries at surviving nodes / expected (every surviving node but the sender), all stream messages, and those sent after the loss.");
  console.log("copies/node/msg: BROADCAST frames received by surviving nodes during the stream per expected delivery; control: PRUNE + IHAVE + GRAFT frames, the same way.");
  console.log("p50/p99 after loss: time from broadcast() until every surviving node delivered it, messages sent after the loss (a message never fully delivered counts as lost).");
}
for (const note of results.peerkit[0]?.notes ?? []) console.log(`peerkit ${note}`);
for (const note of results.tree[0]?.notes ?? []) console.log(`peerkit tree ${note}`);
for (const note of results.flood[0]?.notes ?? []) console.log(note);
if (process.env.BENCH_JSON) console.log(`BENCH_JSON broadcast ${JSON.stringify(results)}`);
