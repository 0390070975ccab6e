// `npm run bench`: every benchmark in turn, each in its own process with a hard time bound.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, rmSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { gitRevision } from "./lib/common.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const benches = [
  ["link", [here("./link.mjs")], 90_000],
  ["broadcast + plain flood", [here("./broadcast.mjs")], 420_000],
  ["broadcast tree mode (Plumtree) and node loss, N=50", [here("./broadcast.mjs"), "--mode", "tree", "--n", "50"], 420_000],
  ["versus", [here("./versus/versus.mjs")], 150_000],
  ["seen-cache", ["--expose-gc", here("./seen-cache.mjs")], 60_000],
];
// A snapshot of dist/ (inside the repository, so that its imports still resolve from node_modules):
// others may rebuild dist/ while the benchmarks run.
const dist = here("../dist");
if (!existsSync(`${dist}/index.js`)) {
  console.error("bench: dist/ is missing; run `npm run build` first");
  process.exit(1);
}
const snapshot = here(`./.dist-snapshot-${process.pid}`);
cpSync(dist, snapshot, { recursive: true });
process.env.BENCH_PEERKIT_DIST = snapshot;
process.on("exit", () => rmSync(snapshot, { recursive: true, force: true }));
console.log(`peerkit benchmarks, ${new Date().toISOString()}, node ${process.version}, ${process.platform} ${process.arch}`);
console.log(`peerkit under test: dist/ built ${statSync(`${dist}/index.js`).mtime.toISOString()} (git HEAD ${gitRevision()}, plus uncommitted work), snapshotted for this run`);
let failed = 0;
for (const [name, args, timeout] of benches) {
  console.log(`\n======== ${name} ========`);
  if (name === "versus" && !existsSync(here("./versus/node_modules/libp2p"))) {
    console.log("skipped: run `npm install` in bench/versus first (js-libp2p stays out of peerkit's install)");
    continue;
  }
  const run = spawnSync(process.execPath, args, { stdio: "inherit", timeout, killSignal: "SIGKILL" });
  if (run.status !== 0) {
    failed++;
    console.log(`${name}: ${run.error?.message ?? `exited with ${run.signal ?? run.status}`}`);
  }
}
process.exitCode = failed ? 1 : 0;
