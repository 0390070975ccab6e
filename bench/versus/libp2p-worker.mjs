// One run of the broadcast workload on js-libp2p + gossipsub, in a fresh process.
// Usage: node --expose-gc bench/versus/libp2p-worker.mjs <N> [samples] [burst]
import { benchSeed } from "../lib/common.mjs";
import { runNetwork } from "../lib/net-driver.mjs";
import { libp2pAdapter } from "./libp2p-net.mjs";

const [nArg, samplesArg, burstArg] = process.argv.slice(2);
const adapter = libp2pAdapter();
const result = await runNetwork(adapter, {
  system: "libp2p-gossipsub",
  n: Number(nArg),
  seed: benchSeed(),
  samples: Number(samplesArg ?? 200),
  sampleBudgetMs: 12_000,
  sampleTimeoutMs: 2_000,
  burst: Number(burstArg ?? 1_000),
  chunk: 100,
  burstCapMs: 15_000,
});
result.notes = adapter.notes;
if (process.send) process.send({ result }, () => process.exit(0));
else {
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}
