// Benchmark 4, versus: the broadcast workload on peerkit (secure, protocol v2: the default) and on
// js-libp2p + gossipsub (TCP, noise, yamux), same seeded topology, same samples and burst, side by side.
// Each run in its own process; each round runs both once (alternating order); medians over the rounds.
// Usage (after `npm ci` in bench/versus): node bench/versus/versus.mjs [--n 50] [--burst 1000] [--rounds 2]
import { fileURLToPath } from "node:url";
import { benchSeed, fmt, medianResult, printTable, runWorker } from "../lib/common.mjs";
import { printRatioTable, printSystemTable, printTopology } from "../lib/tables.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const sizes = arg("n", "50").split(",").map(Number);
const burst = arg("burst", "1000");
const rounds = Number(arg("rounds", process.env.BENCH_ROUNDS_VERSUS ?? "2"));
const samples = "200";
const peerkitWorker = fileURLToPath(new URL("../net-worker.mjs", import.meta.url));
const libp2pWorker = fileURLToPath(new URL("./libp2p-worker.mjs", import.meta.url));

console.log(`# versus: peerkit (secure) and js-libp2p gossipsub, N nodes in one process, TCP on 127.0.0.1, seed ${benchSeed()}, node ${process.version}`);
console.log(`# per run: first contact (each node broadcasts once, 30 s budget), up to ${samples} single broadcasts (12 s budget; timeout 5 s peerkit, 2 s gossipsub), then a burst of ${burst} from one node (gossipsub: published in chunks of 100, 15 s cap); ${rounds} round(s), medians`);
const peerkit = [];
const libp2p = [];
for (const n of sizes) {
  const runs = { peerkit: [], libp2p: [] };
  const jobs = {
    peerkit: () => runWorker(peerkitWorker, ["peerkit", String(n), samples, burst], { timeoutMs: 60_000 }),
    // gossipsub takes its time to connect and to publish on a busy machine: a longer bound.
    libp2p: () => runWorker(libp2pWorker, [String(n), samples, burst], { timeoutMs: 150_000 }),
  };
  for (let round = 0; round < rounds; round++) {
    for (const system of round % 2 ? ["libp2p", "peerkit"] : ["peerkit", "libp2p"]) {
      try {
        runs[system].push(await jobs[system]());
      } catch (error) {
        console.log(`${system} N=${n} round ${round + 1}: ${error.message}`);
      }
    }
  }
  if (runs.peerkit.length) peerkit.push(medianResult(runs.peerkit));
  if (runs.libp2p.length) libp2p.push(medianResult(runs.libp2p));
}
printTopology(peerkit.length ? peerkit : libp2p);
if (peerkit.length) printSystemTable("peerkit secure (plugins ping + broadcast)", peerkit);
if (libp2p.length) printSystemTable("js-libp2p + gossipsub", libp2p);
if (peerkit.length && libp2p.length) {
  printRatioTable("ratios peerkit / gossipsub (of the medians)", peerkit, libp2p);
  // Issue 11: p99 at least 10x lower, msgs/s per node at least 20x higher. A censored gossipsub p99 (lost
  // samples) makes the ratio an upper bound: peerkit's p99 over the timeout.
  const rows = [["N", "p99 peerkit / gossipsub <= 0.1x", "verdict", "msgs/s/node peerkit / gossipsub >= 20x", "verdict"]];
  const bound = (x) => (typeof x === "string" ? Number(/> (\d+)/.exec(x)?.[1]) : x);
  const verdicts = {};
  for (const p of peerkit) {
    const g = libp2p.find((r) => r.n === p.n);
    if (!g) continue;
    const p99 = typeof p.p99Ms === "number" ? p.p99Ms / bound(g.p99Ms) : undefined;
    const rate = p.msgsPerSecPerNode / g.msgsPerSecPerNode;
    const p99Cell = p99 === undefined ? "n/a (peerkit lost samples)" : `${typeof g.p99Ms === "string" ? "<= " : ""}${fmt(p99, 3)}x`;
    verdicts[p.n] = { p99: p99 !== undefined && p99 <= 0.1 ? "pass" : "MISS", rate: rate >= 20 ? "pass" : "MISS" };
    rows.push([p.n, p99Cell, verdicts[p.n].p99, `${fmt(rate, 1)}x`, verdicts[p.n].rate]);
  }
  printTable("issue 11 targets (versus gossipsub)", rows);
}
for (const note of libp2p[0]?.notes ?? []) console.log(note);
const signed = peerkit.flatMap((r) => r.runs.map((x) => x.signedFrames ?? 0)).reduce((a, b) => a + b, 0);
console.log(`peerkit: security tls; BROADCAST frames carrying a signature: ${signed > 0 ? "yes" : "none (this build does not sign broadcasts yet)"}`);
if (process.env.BENCH_JSON) console.log(`BENCH_JSON versus ${JSON.stringify({ peerkit, libp2p })}`);
