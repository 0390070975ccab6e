// One run of a broadcast workload in a fresh process, for the broadcast modes: the standard workload
// (net-driver.mjs) or the node-loss workload (loss-driver.mjs), against peerkit in flood mode, peerkit in
// tree mode (Plumtree), or the plain flood on node:net.
// Usage: node --expose-gc bench/lib/tree-worker.mjs <net|loss> <peerkit|peerkit-tree|flood> <N> [burst]
// peerkit and peerkit-tree run with the node's default security (secure, protocol v2).
// Sends { result } to the parent over IPC, or prints the JSON when run by hand.
import { benchSeed } from "./common.mjs";

const [workload, system, nArg, burstArg] = process.argv.slice(2);
const n = Number(nArg);
const adapters = {
  peerkit: async () => (await import("./peerkit-net.mjs")).peerkitAdapter({ broadcast: { mode: "flood" } }),
  "peerkit-tree": async () => (await import("./peerkit-net.mjs")).peerkitAdapter({ broadcast: { mode: "tree" } }),
  flood: async () => (await import("./flood-net.mjs")).floodAdapter(),
};
if (!adapters[system] || !["net", "loss"].includes(workload) || !(n > 1)) {
  console.error("usage: node --expose-gc bench/lib/tree-worker.mjs <net|loss> <peerkit|peerkit-tree|flood> <N>");
  process.exit(2);
}
const adapter = await adapters[system]();
let result;
if (workload === "net") {
  const { runNetwork } = await import("./net-driver.mjs");
  result = await runNetwork(adapter, { system, n, seed: benchSeed(), samples: 200, sampleBudgetMs: 12_000, burst: Number(burstArg ?? 10_000), burstCapMs: 45_000, warmup: 20 });
} else {
  const { runLoss } = await import("./loss-driver.mjs");
  result = await runLoss(adapter, { system, n, seed: benchSeed() });
}
result.notes = adapter.notes;
if (process.send) process.send({ result }, () => process.exit(0));
else {
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}
