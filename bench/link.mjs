// Benchmark 1, link: one connection between two processes on 127.0.0.1. This process sends, a forked
// receiver counts deliveries at the application. Envelopes of a 64-byte then a 1 KiB payload through the
// bare baselines (node:net, node:tls with peerkit's TLS options, node:tls inside the network-key gate; 256
// messages per write) and peerkit's public API (node.connections.send): secure (protocol v2, the default),
// --insecure (v1), and with a network key. Every sender respects backpressure: nothing is queued without
// bound. Each round runs every system once (a warm-up, then the timed messages); medians over the rounds.
// Usage: node bench/link.mjs [--rounds 5] [--systems net,tls,peerkit,...] [--sizes 64,1024]
import "reflect-metadata";
import { fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { peerkit, secure } from "./lib/peerkit.mjs";
import { dialBare, BARE_KINDS } from "./lib/bare-ends.mjs";
import { benchLimits, fmt, median, printTable, ratioCell } from "./lib/common.mjs";

const { createNode, silentLogger, DEFAULT_LIMITS } = peerkit;

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: process.env.BENCH_ROUNDS ?? "5" },
    systems: { type: "string", default: "net,tls,peerkit,peerkit-insecure,tls-gated,peerkit-netkey" },
    sizes: { type: "string", default: "64,1024" },
  },
});
const ROUNDS = Number(values.rounds);
const SIZES = values.sizes.split(",").map(Number);
const COUNTS = { 64: Number(process.env.BENCH_LINK_COUNT ?? 200_000), 1024: 40_000 };
const countOf = (size) => COUNTS[size] ?? 40_000;
const RUN_CAP_MS = 20_000;
const BATCH = 256; // messages per write in the bare baselines
const HIGH_WATER = 16 * 1024; // the queue bound every sender keeps to: net.Socket's default highWaterMark
const receiverPath = fileURLToPath(new URL("./link-receiver.mjs", import.meta.url));

/** The systems: a bare kind (lib/bare-ends.mjs), or peerkit with a config. */
const SYSTEMS = {
  net: { label: "net batched", bare: "net" },
  tls: { label: "tls batched", bare: "tls" },
  "tls-gated": { label: "tls+gate batched", bare: "tls-gated" },
  peerkit: { label: "peerkit", security: "tls" },
  "peerkit-insecure": { label: "peerkit --insecure", security: "none" },
  "peerkit-netkey": { label: "peerkit --network-key", security: "tls", networkKey: true },
};
const systems = values.systems.split(",");
for (const s of systems) if (!SYSTEMS[s]) throw new Error(`unknown system ${s}; known: ${Object.keys(SYSTEMS).join(", ")}`);

// One network key for the run, in a file only its owner reads (what `--network-key FILE` takes).
const keyDir = mkdtempSync(join(tmpdir(), "peerkit-bench-"));
const networkKeyText = secure.networkKeyText();
const networkKeyFile = join(keyDir, "network.key");
writeFileSync(networkKeyFile, `${networkKeyText}\n`, { mode: 0o600 });
process.on("exit", () => rmSync(keyDir, { recursive: true, force: true }));

function startReceiver(kind, warm, count, options) {
  // BENCH_CPU_PROF=DIR profiles each receiver with node --cpu-prof into DIR.
  const execArgv = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = fork(receiverPath, [kind, String(warm), String(count), JSON.stringify(options)], { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const killTimer = setTimeout(() => child.kill("SIGKILL"), RUN_CAP_MS + 10_000);
  const waiters = { warm: undefined, done: undefined };
  const warmed = new Promise((resolve) => (waiters.warm = resolve));
  const done = new Promise((resolve) => (waiters.done = resolve));
  const ready = new Promise((resolve, reject) => {
    child.on("message", (m) => {
      if (m.ready) resolve(m.ready);
      if (m.refused) reject(Object.assign(new Error(m.refused), { refused: true }));
      if (m.warm) waiters.warm();
      if (m.done) waiters.done({ at: performance.now(), cpuUsPerMsg: m.done.cpuUsPerMsg });
    });
    child.on("exit", (code) => reject(new Error(`receiver exited early (${code})`)));
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  return {
    ready,
    warmed,
    done,
    async stop() {
      if (child.connected) child.send("exit");
      const t = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(t);
      clearTimeout(killTimer);
    },
  };
}

const envelope = (originator, payload) => ({ msg_type: "BENCH", msg: payload, originator, time: Date.now() });
// The bare senders send the envelope a default (secure) node sends, byte for byte in length: its
// originator is a peer id ("pk_" + 52 base32 characters), not a short label. Before run 8 it was
// "bench-sender", 43 bytes shorter per message, which flattered the bare baselines by about 0.1x.
// peerkit --insecure sends its 16-character id, so its line against net is about 39 bytes lighter.
const BARE_ORIGINATOR = secure.ephemeralIdentity().peerId;
const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));
const withTimeout = (promise, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: over ${RUN_CAP_MS} ms`)), RUN_CAP_MS).unref())]);

/** A bare sender: `BATCH` NDJSON lines per write, the socket's write queue kept under HIGH_WATER. */
async function bareSender(kind, port) {
  const socket = await dialBare(kind, port, { networkKeyText });
  return {
    async send(n, payload) {
      for (let i = 0; i < n; ) {
        while (socket.writableLength >= HIGH_WATER) await yieldToLoop();
        let text = "";
        for (const end = Math.min(n, i + BATCH); i < end; i++) text += JSON.stringify(envelope(BARE_ORIGINATOR, payload)) + "\n";
        socket.write(text);
      }
    },
    close: async () => socket.destroy(),
  };
}

/** A peerkit sender: node.connections.send per message, pacing on Connection.stats().queuedBytes. */
async function peerkitSender(system, port) {
  const { limits } = benchLimits(DEFAULT_LIMITS, {});
  const config = { host: "127.0.0.1", port: 0, plugins: ["ping"], limits, security: system.security };
  if (system.networkKey) config.networkKey = networkKeyFile;
  const node = await createNode(config, { logger: silentLogger });
  await node.start();
  const peer = await node.join("127.0.0.1", port);
  const connection = node.connections.connectionOf(peer.id);
  return {
    async send(n, payload) {
      for (let i = 0; i < n; i++) {
        if ((i & 63) === 0) while (connection.stats().queuedBytes >= HIGH_WATER) await yieldToLoop();
        if (!node.connections.send(peer.id, envelope(node.id, payload))) throw new Error("peerkit refused a send (queue full or closed)");
      }
    },
    dropped: () => connection.stats().dropped,
    close: () => node.shutdown(),
  };
}

/** One run: warm-up, then `count` timed messages. Returns { msgsPerSec, txUs, rxUs } or { refused }. */
async function runOnce(name, size) {
  const system = SYSTEMS[name];
  const count = countOf(size);
  const warm = Math.round(count / 10);
  const options = system.bare ? { networkKeyText } : { security: system.security, networkKeyFile: system.networkKey ? networkKeyFile : undefined };
  const receiver = startReceiver(system.bare ?? "peerkit", warm, count, options);
  let sender;
  try {
    const { port } = await receiver.ready;
    sender = system.bare ? await bareSender(system.bare, port) : await peerkitSender(system, port);
    const payload = "x".repeat(size);
    await sender.send(warm, payload);
    await withTimeout(receiver.warmed, `${name} warm-up`);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await sender.send(count, payload);
    const sendCpu = process.cpuUsage(cpu0);
    const done = await withTimeout(receiver.done, name);
    return { msgsPerSec: count / ((done.at - t0) / 1000), rxUs: done.cpuUsPerMsg, txUs: (sendCpu.user + sendCpu.system) / count, dropped: sender.dropped?.() ?? 0 };
  } catch (error) {
    if (error.refused || error.code === "ERR_CONFIG_INVALID") return { refused: error.message.split("\n").slice(0, 3).join(" ") };
    throw error;
  } finally {
    await sender?.close();
    await receiver.stop();
  }
}

console.log(`# link: envelopes over one TCP connection between two processes on 127.0.0.1 (node ${process.version}, OpenSSL ${process.versions.openssl})`);
console.log(`# ${ROUNDS} rounds; per round and payload each system once, in rotated order: ${SIZES.map((s) => `${s} B: ${fmt(countOf(s) / 10)} warm-up + ${fmt(countOf(s))} timed`).join(", ")}`);
const results = {};
const refusals = new Set();
for (const size of SIZES) {
  const runs = Object.fromEntries(systems.map((s) => [s, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = systems.map((_, i) => systems[(i + round) % systems.length]);
    for (const name of order) {
      const r = await runOnce(name, size);
      if (r.refused) refusals.add(`${SYSTEMS[name].label}: refused by this build: ${r.refused}`);
      runs[name].push(r);
    }
  }
  results[size] = runs;
}

const ok = (runs) => runs.filter((r) => !r.refused);
const med = (runs, key) => (ok(runs).length ? median(ok(runs).map((r) => r[key])) : undefined);
/** Median over the rounds of a / b measured in the same round, with the range. */
// `cpu`: the ratio of the CPU bounds instead, 1 / max(tx, rx) µs per message: the rate each pipeline would
// reach with a core per side and nothing else running.
function roundRatio(size, a, b, cpu = false) {
  const ra = results[size][a];
  const rb = results[size][b];
  if (!ra || !rb) return undefined;
  const of = (x, y) => (cpu ? Math.max(y.txUs, y.rxUs) / Math.max(x.txUs, x.rxUs) : x.msgsPerSec / y.msgsPerSec);
  const ratios = ra.map((x, i) => (x.refused || rb[i].refused ? undefined : of(x, rb[i]))).filter((x) => x !== undefined);
  return ratios.length ? { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) } : undefined;
}

const header = ["payload", ...systems.map((s) => SYSTEMS[s].label)];
const rateRows = [header];
const cpuRows = [["payload", ...systems.flatMap((s) => [`${SYSTEMS[s].label} tx`, "rx"])]];
for (const size of SIZES) {
  rateRows.push([`${size} B`, ...systems.map((s) => fmt(med(results[size][s], "msgsPerSec")))]);
  cpuRows.push([`${size} B`, ...systems.flatMap((s) => [fmt(med(results[size][s], "txUs"), 2), fmt(med(results[size][s], "rxUs"), 2)])]);
}
printTable("link: delivered msgs/s at the receiving application (median of the rounds)", rateRows);
printTable("link: CPU microseconds per message (user + system, medians; sender: while sending, receiver: the timed messages)", cpuRows);

const RATIOS = [
  ["peerkit", "net", "peerkit (TLS) / net batched", 0.6],
  ["peerkit", "tls", "peerkit (TLS) / tls batched", 0.8],
  ["peerkit-insecure", "net", "peerkit --insecure / net batched", undefined],
  ["peerkit", "peerkit-insecure", "peerkit (TLS) / peerkit --insecure", undefined],
  ["tls", "net", "tls batched / net batched", undefined],
  ["tls-gated", "tls", "tls+gate / tls batched", undefined],
  ["peerkit-netkey", "tls-gated", "peerkit --network-key / tls+gate batched", undefined],
  ["peerkit-netkey", "peerkit", "peerkit --network-key / peerkit", undefined],
];
const ratioRows = [["ratio (same round)", ...SIZES.map((s) => `${s} B: median (min-max)`), "issue 11 target (64 B)", "64 B in CPU bound", "target in CPU bound"]];
const verdicts = {};
const judge = (r, target) => (target === undefined ? "" : r === undefined ? `>= ${target}x: n/a` : `>= ${target}x: ${r.median >= target ? "pass" : "MISS"}`);
for (const [a, b, label, target] of RATIOS) {
  if (!systems.includes(a) || !systems.includes(b)) continue;
  const cells = SIZES.map((s) => ratioCell(roundRatio(s, a, b), 3));
  const c64 = roundRatio(64, a, b, true);
  verdicts[label] = { time: judge(roundRatio(64, a, b), target), cpu: judge(c64, target) };
  ratioRows.push([label, ...cells, verdicts[label].time, SIZES.includes(64) ? ratioCell(c64, 3) : "n/a", verdicts[label].cpu]);
}
printTable("link: ratios", ratioRows);
console.log("\nCPU bound: per round, the baseline's max(sender, receiver) CPU µs per message over peerkit's: the ratio with a core per side and nothing else running.");
console.log(`\nbare senders: the envelope a secure node sends (originator: a ${BARE_ORIGINATOR.length}-character peer id), ${BATCH} messages per write, pacing on socket.writableLength < ${HIGH_WATER} (setImmediate while over).`);
console.log(`tls: tls.createServer / tls.connect with peerkit's tlsOptionsFor (TLS 1.3, ed25519 certificates both ways, ALPN peerkit/2); tls+gate: the same inside gateServer/gateClient (the --network-key PSK TLS).`);
console.log(`peerkit sender: node.connections.send per message, pacing on Connection.stats().queuedBytes < ${HIGH_WATER} (checked every 64 sends); peerkit gathers one event-loop turn's frames into one write.`);
const drops = systems.filter((s) => !SYSTEMS[s].bare).map((s) => `${SYSTEMS[s].label} ${SIZES.map((z) => ok(results[z][s]).reduce((a, r) => a + r.dropped, 0)).join("/")}`);
console.log(`frames dropped by peerkit (all rounds, per payload): ${drops.join(", ")}`);
for (const line of refusals) console.log(line);
for (const note of benchLimits(DEFAULT_LIMITS, {}).notes) console.log(`peerkit ${note}`);
if (process.env.BENCH_JSON) console.log(`BENCH_JSON link ${JSON.stringify({ results, verdicts })}`);
