// Benchmarks 2 and 3, broadcast and plain flood: N nodes in one process (a fresh process per system and
// N, so that RSS is its own), real TCP on 127.0.0.1, the same seeded random topology for every system.
// Systems: peerkit secure (protocol v2, the default: TLS 1.3 on every link, signed broadcasts once the
// build signs them), peerkit --insecure (security "none", plaintext v1), and the plain flood on node:net.
// Each round runs every system once per N (rotated order); the tables show the median run per figure.
// With --mode tree, also peerkit's tree mode (Plumtree) on the same workload, and the node-loss workload
// (10% of the nodes killed mid-stream) for peerkit flood, peerkit tree and the plain flood (one round).
// Usage: node bench/broadcast.mjs [--n 50,100] [--rounds 3] [--burst 2000] [--system peerkit,peerkit-insecure,flood] [--mode flood|tree]
import { fileURLToPath } from "node:url";
import { benchSeed, fmt, medianResult, printTable, ratioCell, roundRatios, runWorker } from "./lib/common.mjs";
import { printLossTable, printRatioTable, printSystemTable, printTopology } from "./lib/tables.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const SYSTEMS = { peerkit: "peerkit secure (TLS)", "peerkit-insecure": "peerkit --insecure", flood: "plain flood on node:net" };
const mode = arg("mode", "flood");
const which = arg("system", mode === "tree" ? "peerkit,flood" : "peerkit,peerkit-insecure,flood");
const systems = which === "both" ? ["peerkit", "flood"] : which.split(",");
if (!["flood", "tree"].includes(mode) || systems.some((s) => !SYSTEMS[s])) {
  console.error("usage: node bench/broadcast.mjs [--n 50,100] [--rounds 3] [--system peerkit,peerkit-insecure,flood] [--mode flood|tree]");
  process.exit(2);
}
const sizes = arg("n", process.env.BENCH_N ?? "50,100").split(",").map(Number);
const rounds = Number(arg("rounds", process.env.BENCH_ROUNDS ?? (mode === "tree" ? "1" : "3")));
// Issue 6 used a burst of 10,000; a secure node verifies a signature per delivery, and 10,000 x 99
// verifications in one process outlast any time bound: issue 11's runs use 2,000 (--burst 10000 for issue 6's).
const burst = arg("burst", "2000");
const worker = fileURLToPath(new URL("./net-worker.mjs", import.meta.url));
const treeWorker = fileURLToPath(new URL("./lib/tree-worker.mjs", import.meta.url));

console.log(`# broadcast: N nodes in one process, TCP on 127.0.0.1, seed ${benchSeed()} (BENCH_SEED), node ${process.version}`);
console.log(`# per run: first contact (each node broadcasts once), 20 warm-up broadcasts, up to 200 single broadcasts (12 s budget, 5 s timeout each), then a burst of ${fmt(Number(burst))} from one node (45 s cap); each run in its own process, killed after 120 s; ${rounds} round(s), medians`);
const runs = Object.fromEntries(systems.map((s) => [s, {}]));
const results = Object.fromEntries(systems.map((s) => [s, []]));
const extra = { tree: [], loss: [] };
for (const n of sizes) {
  for (const s of systems) runs[s][n] = [];
  for (let round = 0; round < rounds; round++) {
    for (const system of systems.map((_, i) => systems[(i + round) % systems.length])) {
      try {
        runs[system][n][round] = await runWorker(worker, [system, String(n), "200", burst], { timeoutMs: 120_000 });
      } catch (error) {
        console.log(`${system} N=${n} round ${round + 1}: ${error.message}`);
      }
    }
  }
  for (const s of systems) {
    const ok = runs[s][n].filter(Boolean);
    if (ok.length) results[s].push(medianResult(ok));
  }
  if (mode !== "tree") continue;
  try {
    extra.tree.push(await runWorker(treeWorker, ["net", "peerkit-tree", String(n), burst], { timeoutMs: 120_000 }));
  } catch (error) {
    console.log(`peerkit-tree N=${n}: ${error.message}`);
  }
  for (const system of ["peerkit", "peerkit-tree", "flood"]) {
    try {
      extra.loss.push(await runWorker(treeWorker, ["loss", system, String(n)], { timeoutMs: 120_000 }));
    } catch (error) {
      console.log(`${system} N=${n} (node loss): ${error.message}`);
    }
  }
}
printTopology(results[systems[0]]);
for (const s of systems) if (results[s].length) printSystemTable(`${SYSTEMS[s]}${rounds > 1 ? ` (median of ${rounds} rounds)` : ""}`, results[s]);
if (extra.tree.length) printSystemTable("peerkit, broadcast.mode tree (Plumtree)", extra.tree);
const pairs = [
  ["peerkit", "peerkit-insecure"],
  ["peerkit", "flood"],
  ["peerkit-insecure", "flood"],
];
for (const [a, b] of pairs) if (results[a]?.length && results[b]?.length) printRatioTable(`ratios ${SYSTEMS[a]} / ${SYSTEMS[b]} (of the medians)`, results[a], results[b]);
if (extra.tree.length && results.peerkit?.length) printRatioTable("ratios peerkit tree / peerkit flood", extra.tree, results.peerkit);
if (extra.tree.length && results.flood?.length) printRatioTable("ratios peerkit tree / plain flood", extra.tree, results.flood);

// Issue 11's targets.
if (mode === "flood" && results.peerkit?.length) {
  const rows = [["target", "measured", "verdict"]];
  const verdicts = {};
  const add = (label, measured, pass) => {
    const verdict = pass === undefined ? "n/a" : pass ? "pass" : "MISS";
    verdicts[label] = verdict;
    rows.push([label, measured, verdict]);
  };
  for (const n of sizes.filter((x) => x === 50)) {
    if (!runs["peerkit-insecure"]?.[n]) continue;
    const r = roundRatios(runs.peerkit[n], runs["peerkit-insecure"][n], "p99Ms");
    add(`N=${n}: p99 secure / p99 --insecure <= 2x (same round)`, ratioCell(r), r && r.median <= 2);
    const first = roundRatios(runs.peerkit[n], runs["peerkit-insecure"][n], "firstContactP99Ms");
    add(`N=${n}: first contact p99 secure / --insecure (no target: each node's first broadcast)`, ratioCell(first), undefined);
  }
  for (const n of sizes.filter((x) => x === 100)) {
    const r = results.peerkit.find((x) => x.n === n);
    if (!r) continue;
    add(`N=${n} secure: RSS per node once connected <= 1.5 MiB`, `${fmt(r.rssPerNodeMiB, 2)} MiB`, r.rssPerNodeMiB <= 1.5);
    const parts = r.heapAfterBurstPerNodeMiB === undefined ? "" : ` (JS heap ${fmt(r.heapAfterBurstPerNodeMiB, 2)}, external ${fmt(r.externalAfterBurstPerNodeMiB, 2)})`;
    add(`N=${n} secure: RSS per node after the ${fmt(Number(burst))} burst <= 1.5 MiB`, `${fmt(r.rssAfterBurstPerNodeMiB, 2)} MiB${parts}`, r.rssAfterBurstPerNodeMiB <= 1.5);
  }
  if (rows.length > 1) printTable("issue 11 targets (broadcast)", rows);
  const signed = results.peerkit.map((r) => r.runs.map((x) => x.signedFrames ?? 0).reduce((a, b) => a + b, 0));
  console.log(`\nsecure runs: BROADCAST frames carrying a signature: ${signed.some((x) => x > 0) ? "yes" : "none (this build does not sign broadcasts yet: the secure figures are TLS only)"}`);
  results.verdicts = verdicts;
}
console.log("\np50/p99: time from broadcast() until every other node delivered it, over the samples; before them every node broadcast once");
console.log("(first contact: a node's first broadcast reaches nodes that never heard from it; a secure node then checks its key once).");
console.log("msgs/s/node: burst deliveries per receiving node per second.");
console.log("copies/node/msg: BROADCAST frames received per receiving node per burst message (duplicates included).");
console.log(`RSS/node: (process RSS once connected - RSS before the first node) / N; after burst: the same after the ${fmt(Number(burst))}-message burst.`);
console.log("CPU ms/sample: this process's CPU time (every node is in it) per single broadcast; CPU µs/delivery: per burst delivery. Less moved by the machine's other load than the times.");
if (extra.tree.length) console.log("tree mode: the 200 single broadcasts are also its warm-up (duplicates prune the tree there); copies are counted in the burst.");
if (extra.loss.length) {
  const r = extra.loss[0];
  printLossTable(
    `node loss: ${r.warmup} warm-up broadcasts one at a time, then ${r.messages} from random live nodes, one every ${r.intervalMs} ms; ${r.killed} nodes (10%) killed at once after ${r.killedAfter} (drawn so the survivors stay connected)`,
    extra.loss,
  );
  console.log("delivered: deliveries at surviving nodes / expected (every surviving node but the sender), all stream messages, and those sent after the loss.");
  console.log("copies/node/msg: BROADCAST frames received by surviving nodes during the stream per expected delivery; control: PRUNE + IHAVE + GRAFT frames, the same way.");
  console.log("p50/p99 after loss: time from broadcast() until every surviving node delivered it, messages sent after the loss (a message never fully delivered counts as lost).");
}
const notes = new Map();
for (const s of systems) for (const note of results[s][0]?.notes ?? []) notes.set(note, [...(notes.get(note) ?? []), s]);
for (const [note, of] of notes) console.log(`${of.join(", ")}: ${note}`);
for (const note of extra.tree[0]?.notes ?? []) console.log(`peerkit tree ${note}`);
if (process.env.BENCH_JSON) console.log(`BENCH_JSON broadcast ${JSON.stringify({ ...results, ...extra })}`);
