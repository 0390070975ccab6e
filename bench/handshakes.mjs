// Handshakes: new secure connections per second on 127.0.0.1, client and server in this one process (so
// the figure is the CPU cost of both ends of each handshake). A connection counts once both ends
// completed their handshake (see lib/handshake-systems.mjs). Systems: bare node:tls with peerkit's TLS
// options and certificates, peerkit's TcpTransport with the secure option (what a secure node runs on
// every connection), whole node joins (TLS + PING/PONG), and each with the network-key gate.
// Usage: node bench/handshakes.mjs [--rounds 5] [--count 300] [--concurrency 8] [--systems tls,transport,...]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { secure } from "./lib/peerkit.mjs";
import { handshakeSystems } from "./lib/handshake-systems.mjs";
import { fmt, median, printTable, ratioCell } from "./lib/common.mjs";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: process.env.BENCH_ROUNDS ?? "5" },
    count: { type: "string", default: "300" },
    concurrency: { type: "string", default: "8" },
    systems: { type: "string", default: "net,tls,transport,join,tls-gated,transport-gated,join-netkey" },
  },
});
const ROUNDS = Number(values.rounds);
const COUNT = Number(values.count);
const WARM = Math.round(COUNT / 6);
const CONCURRENCY = Number(values.concurrency);
const RUN_CAP_MS = 30_000;

const keyDir = mkdtempSync(join(tmpdir(), "peerkit-bench-"));
const networkKeyText = secure.networkKeyText();
const networkKeyFile = join(keyDir, "network.key");
writeFileSync(networkKeyFile, `${networkKeyText}\n`, { mode: 0o600 });
process.on("exit", () => rmSync(keyDir, { recursive: true, force: true }));

const SYSTEMS = handshakeSystems({ networkKeyText, networkKeyFile, concurrency: CONCURRENCY });
const systems = values.systems.split(",");
for (const s of systems) if (!SYSTEMS[s]) throw new Error(`unknown system ${s}; known: ${Object.keys(SYSTEMS).join(", ")}`);

/** `n` connections, `CONCURRENCY` at a time; resolves with the seconds taken. */
async function connections(system, n) {
  let left = n;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) await system.connectOnce();
    }),
  );
  return (performance.now() - t0) / 1000;
}

/** One run of one system: a fresh setup, a warm-up, then COUNT timed connections. */
async function runOnce(name) {
  let system;
  try {
    system = await SYSTEMS[name].setup();
  } catch (error) {
    return { refused: `${error.code ?? ""} ${error.message.split("\n").slice(0, 2).join(" ")}`.trim() };
  }
  let timer;
  try {
    const capped = (p) => Promise.race([p, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${name}: over ${RUN_CAP_MS} ms`)), RUN_CAP_MS)))]);
    await capped(connections(system, WARM));
    clearTimeout(timer);
    const served0 = system.served?.() ?? 0;
    const cpu0 = process.cpuUsage();
    const seconds = await capped(connections(system, COUNT));
    const cpu = process.cpuUsage(cpu0);
    const served = (system.served?.() ?? served0 + COUNT) - served0;
    if (served !== COUNT) throw new Error(`${name}: the server completed ${served} handshakes of ${COUNT}`);
    return { perSec: COUNT / seconds, cpuUs: (cpu.user + cpu.system) / COUNT };
  } finally {
    clearTimeout(timer);
    await system.close();
  }
}

console.log(`# handshakes: new connections per second, client and server in one process on 127.0.0.1 (node ${process.version}, OpenSSL ${process.versions.openssl})`);
console.log(`# ${ROUNDS} rounds; per round each system once (rotated order): fresh setup, ${WARM} warm-up connections, then ${COUNT} timed, ${CONCURRENCY} at a time`);
const runs = Object.fromEntries(systems.map((s) => [s, []]));
const refusals = new Set();
for (let round = 0; round < ROUNDS; round++) {
  for (const name of systems.map((_, i) => systems[(i + round) % systems.length])) {
    const r = await runOnce(name);
    if (r.refused) refusals.add(`${SYSTEMS[name].label}: refused by this build: ${r.refused}`);
    runs[name].push(r);
  }
}

const ok = (rs) => rs.filter((r) => !r.refused);
const med = (name, key) => (ok(runs[name]).length ? median(ok(runs[name]).map((r) => r[key])) : undefined);
/** Per-round a / b of connections/s, or (`cpu`) of b's CPU per connection over a's: the rate ratio a saturated CPU would give. */
function roundRatio(a, b, cpu = false) {
  if (!runs[a] || !runs[b]) return undefined;
  const of = (x, y) => (cpu ? y.cpuUs / x.cpuUs : x.perSec / y.perSec);
  const ratios = runs[a].map((x, i) => (x.refused || runs[b][i].refused ? undefined : of(x, runs[b][i]))).filter((x) => x !== undefined);
  return ratios.length ? { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) } : undefined;
}
const rows = [["system", "connections/s (median)", "min-max", "CPU µs per connection (both ends)"]];
for (const name of systems) {
  const rates = ok(runs[name]).map((r) => r.perSec);
  rows.push([SYSTEMS[name].label, fmt(med(name, "perSec")), rates.length ? `${fmt(Math.min(...rates))}-${fmt(Math.max(...rates))}` : "n/a", fmt(med(name, "cpuUs"))]);
}
printTable("handshakes: connections/s until both ends are secure", rows);

const RATIOS = [
  ["transport", "tls", "peerkit TcpTransport (TLS) / tls", 0.7],
  ["join", "tls", "peerkit node join / tls", undefined],
  ["tls", "net", "tls / TCP connect only", undefined],
  ["transport-gated", "tls-gated", "peerkit TcpTransport (gate + TLS) / tls+gate", undefined],
  ["tls-gated", "tls", "tls+gate / tls", undefined],
  ["transport-gated", "transport", "peerkit TcpTransport: with / without network key", undefined],
  ["join-netkey", "join", "peerkit node join: with / without --network-key", undefined],
];
const ratioRows = [["ratio (same round)", "connections/s: median (min-max)", "issue 11 target", "in CPU time: median (min-max)", "target in CPU time"]];
const verdicts = {};
const judge = (r, target) => (target === undefined ? "" : r === undefined ? `>= ${target}x: n/a` : `>= ${target}x: ${r.median >= target ? "pass" : "MISS"}`);
for (const [a, b, label, target] of RATIOS) {
  if (!systems.includes(a) || !systems.includes(b)) continue;
  const r = roundRatio(a, b);
  const c = roundRatio(a, b, true);
  verdicts[label] = { time: judge(r, target), cpu: judge(c, target) };
  ratioRows.push([label, ratioCell(r, 3), verdicts[label].time, ratioCell(c, 3), verdicts[label].cpu]);
}
printTable("handshakes: ratios", ratioRows);
console.log("\ntls: tls.createServer / tls.connect with tlsOptionsFor (TLS 1.3, X25519, ed25519 certificates both ways, ALPN peerkit/2, no tickets), one secure context per side.");
console.log("peerkit TcpTransport: the secure option a secure node's composition root sets (tlsChannel(identity), peer id from the proven key); the server side accepts through its handshake slots.");
console.log("in CPU time: the baseline's CPU per connection over peerkit's (both ends in this process), per round: the ratio on a machine with nothing else to run.");
console.log("tls+gate / gate + TLS: the same inside the private-network gate (gateClient/gateServer: outer PSK TLS 1.3, X25519).");
for (const line of refusals) console.log(line);
if (process.env.BENCH_JSON) console.log(`BENCH_JSON handshakes ${JSON.stringify({ runs, verdicts })}`);
