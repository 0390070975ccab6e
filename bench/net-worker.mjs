// One run of the broadcast workload in a fresh process (so that its RSS is its own).
// Usage: node --expose-gc bench/net-worker.mjs <peerkit|flood> <N> [samples] [burst]
// Prints nothing; sends { result } to the parent over IPC, or prints the JSON when run by hand.
import { benchSeed } from "./lib/common.mjs";
import { runNetwork } from "./lib/net-driver.mjs";

const [system, nArg, samplesArg, burstArg] = process.argv.slice(2);
const n = Number(nArg);
const adapter =
  system === "peerkit" ? (await import("./lib/peerkit-net.mjs")).peerkitAdapter() : system === "flood" ? (await import("./lib/flood-net.mjs")).floodAdapter() : undefined;
if (!adapter || !(n > 1)) {
  console.error("usage: node --expose-gc bench/net-worker.mjs <peerkit|flood> <N> [samples] [burst]");
  process.exit(2);
}
const result = await runNetwork(adapter, {
  system,
  n,
  seed: benchSeed(),
  samples: Number(samplesArg ?? 200),
  sampleBudgetMs: 12_000,
  burst: Number(burstArg ?? 10_000),
  burstCapMs: 30_000,
});
result.notes = adapter.notes;
if (process.send) process.send({ result }, () => process.exit(0));
else {
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}
