// One run of the broadcast workload in a fresh process (so that its RSS is its own).
// Usage: node --expose-gc bench/net-worker.mjs <peerkit|peerkit-insecure|flood> <N> [samples] [burst]
// peerkit: secure (protocol v2: TLS 1.3, and signed broadcasts once the build signs them); peerkit-insecure:
// security "none" (plaintext protocol v1).
// Prints nothing; sends { result } to the parent over IPC, or prints the JSON when run by hand.
import { benchSeed } from "./lib/common.mjs";
import { runNetwork } from "./lib/net-driver.mjs";

const [system, nArg, samplesArg, burstArg] = process.argv.slice(2);
const n = Number(nArg);
const adapters = {
  peerkit: async () => (await import("./lib/peerkit-net.mjs")).peerkitAdapter({ security: "tls" }),
  "peerkit-insecure": async () => (await import("./lib/peerkit-net.mjs")).peerkitAdapter({ security: "none" }),
  flood: async () => (await import("./lib/flood-net.mjs")).floodAdapter(),
};
const adapter = await adapters[system]?.();
if (!adapter || !(n > 1)) {
  console.error("usage: node --expose-gc bench/net-worker.mjs <peerkit|peerkit-insecure|flood> <N> [samples] [burst]");
  process.exit(2);
}
const result = await runNetwork(adapter, {
  system,
  n,
  seed: benchSeed(),
  samples: Number(samplesArg ?? 200),
  sampleBudgetMs: 12_000,
  burst: Number(burstArg ?? 10_000),
  burstCapMs: 45_000,
  warmup: 20,
});
result.notes = adapter.notes;
if (adapter.signedFrames) result.signedFrames = adapter.signedFrames();
if (process.send) process.send({ result }, () => process.exit(0));
else {
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}
