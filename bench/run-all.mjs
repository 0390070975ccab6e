// `npm run bench`: every benchmark in turn, each in its own process with a hard time bound.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, rmSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { gitRevision } from "./lib/common.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
// Each bench repeats its measurement in rounds (medians) on this shared machine; the bounds allow for that.
const benches = [
  ["link", [here("./link.mjs")], 600_000, "link"],
  ["handshakes", [here("./handshakes.mjs")], 300_000, "handshakes"],
  ["signatures", [here("./signatures.mjs")], 400_000, "signatures"],
  ["broadcast: peerkit secure, peerkit --insecure, plain flood", [here("./broadcast.mjs")], 2_400_000, "broadcast"],
  ["broadcast tree mode (Plumtree) and node loss, N=50", [here("./broadcast.mjs"), "--mode", "tree", "--n", "50"], 900_000, "tree"],
  ["versus", [here("./versus/versus.mjs")], 800_000, "versus"],
  // node.broadcast() signs each message on a secure node (about 50 µs): 1,000,000 of them take a while.
  ["seen-cache", ["--expose-gc", here("./seen-cache.mjs")], 240_000, "seen-cache"],
];
// `npm run bench -- --only link,handshakes`: some of them.
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt > 0 ? new Set(process.argv[onlyAt + 1].split(",")) : undefined;
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
for (const [name, args, timeout, key] of benches) {
  if (only && !only.has(key)) continue;
  console.log(`\n======== ${name} ========`);
  if (name === "versus" && !existsSync(here("./versus/node_modules/libp2p"))) {
    console.log("skipped: run `npm ci` in bench/versus first (js-libp2p stays out of peerkit's install)");
    continue;
  }
  const run = spawnSync(process.execPath, args, { stdio: "inherit", timeout, killSignal: "SIGKILL" });
  if (run.status !== 0) {
    failed++;
    console.log(`${name}: ${run.error?.message ?? `exited with ${run.signal ?? run.status}`}`);
  }
}
process.exitCode = failed ? 1 : 0;
