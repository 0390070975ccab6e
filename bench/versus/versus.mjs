// Benchmark 4, versus: the broadcast workload on peerkit and on js-libp2p + gossipsub (TCP, noise,
// yamux), same seeded topology, same samples and burst, side by side. Each run in its own process.
// Usage (after `npm install` in bench/versus): node bench/versus/versus.mjs [--n 50] [--burst 1000]
import { fileURLToPath } from "node:url";
import { benchSeed, runWorker } from "../lib/common.mjs";
import { printRatioTable, printSystemTable, printTopology } from "../lib/tables.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const sizes = arg("n", "50").split(",").map(Number);
const burst = arg("burst", "1000");
const samples = "200";
const peerkitWorker = fileURLToPath(new URL("../net-worker.mjs", import.meta.url));
const libp2pWorker = fileURLToPath(new URL("./libp2p-worker.mjs", import.meta.url));

console.log(`# versus: peerkit and js-libp2p gossipsub, N nodes in one process, TCP on 127.0.0.1, seed ${benchSeed()}, node ${process.version}`);
console.log(`# per run: up to ${samples} single broadcasts (12 s budget; timeout 5 s peerkit, 2 s gossipsub), then a burst of ${burst} from one node (gossipsub: published in chunks of 100, 15 s cap)`);
const peerkit = [];
const libp2p = [];
for (const n of sizes) {
  try {
    peerkit.push(await runWorker(peerkitWorker, ["peerkit", String(n), samples, burst], { timeoutMs: 60_000 }));
  } catch (error) {
    console.log(`peerkit N=${n}: ${error.message}`);
  }
  try {
    libp2p.push(await runWorker(libp2pWorker, [String(n), samples, burst], { timeoutMs: 60_000 }));
  } catch (error) {
    console.log(`js-libp2p gossipsub N=${n}: ${error.message}`);
  }
}
printTopology(peerkit.length ? peerkit : libp2p);
if (peerkit.length) printSystemTable("peerkit (plugins ping + broadcast)", peerkit);
if (libp2p.length) printSystemTable("js-libp2p + gossipsub", libp2p);
if (peerkit.length && libp2p.length) printRatioTable("ratios peerkit / gossipsub (p99 below 0.1x and msgs/s above 20x meet issue 6's targets)", peerkit, libp2p);
for (const note of libp2p[0]?.notes ?? []) console.log(note);
if (process.env.BENCH_JSON) console.log(`BENCH_JSON versus ${JSON.stringify({ peerkit, libp2p })}`);
