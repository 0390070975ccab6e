// Signatures: signed BROADCASTs verified and delivered per second over one secure link, against the raw
// ed25519 `crypto.verify` rate of the same messages measured in the same run. This process pre-signs
// `count` distinct messages (plus a warm-up) with `signEnvelope`, as one originator (the sending node's
// own identity); a forked secure node (plugins ping + broadcast) counts its `broadcast` events. A forked
// baseline process verifies the same signed texts with `crypto.verify` and one key object, nothing else.
// Before each run a second node sends two forgeries (a flipped signature byte; a valid signature by
// another key): a build that delivers them does not verify, and its figure is only marked, not judged.
// Usage: node bench/signatures.mjs [--rounds 5] [--count 20000]
import "reflect-metadata";
import { fork } from "node:child_process";
import { sign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { peerkit, secure } from "./lib/peerkit.mjs";
import { benchLimits, fmt, median, printTable, ratioCell, runWorker } from "./lib/common.mjs";

const { createNode, silentLogger, DEFAULT_LIMITS } = peerkit;
const { values } = parseArgs({ options: { rounds: { type: "string", default: process.env.BENCH_ROUNDS ?? "5" }, count: { type: "string", default: "20000" } } });
const ROUNDS = Number(values.rounds);
const COUNT = Number(values.count);
const WARM = Math.round(COUNT / 10);
const TARGET = 0.7;
const RUN_CAP_MS = 30_000;
// The sender's queue bound. Over it the sender sleeps 1 ms rather than spinning on setImmediate: the
// receiver is the slow end here, and a spinning sender would take CPU from it on a 2-core machine.
const HIGH_WATER = 64 * 1024;
const worker = fileURLToPath(new URL("./signature-worker.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "peerkit-bench-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const originator = secure.ephemeralIdentity();
const prober = secure.ephemeralIdentity();
const forger = secure.ephemeralIdentity();
const maxHops = DEFAULT_LIMITS.maxHops;
const PAYLOAD = "x".repeat(48); // with { k }, about 64 bytes of msg

/** `n` distinct messages signed by `identity`, sequence numbers from now (as `SequenceCounter` starts). */
function presign(identity, n, msgOf) {
  const seq0 = Date.now() * 1000;
  return Array.from({ length: n }, (_, i) => secure.signEnvelope(identity, { msg_type: "BROADCAST", msg: msgOf(i), time: Date.now(), seq: seq0 + i, ttl: maxHops }));
}

/** Two forgeries in the prober's name, then its end marker. */
function probeMessages() {
  // Sequence numbers in sending order: the tampered one, the other key's (seq + 1), the end marker.
  const [tampered, , endMarker] = presign(prober, 3, (i) => (i === 0 ? { forged: "flipped signature byte" } : { probeEnd: true }));
  const flip = tampered.signature.sig[10] === "A" ? "B" : "A";
  const tamperedSig = tampered.signature.sig.slice(0, 10) + flip + tampered.signature.sig.slice(11);
  const seq = JSON.parse(tampered.signature.text).seq + 1;
  const text = JSON.stringify({ msg_type: "BROADCAST", originator: prober.peerId, time: Date.now(), seq, msg: { forged: "signed by another key" } });
  const otherKey = sign(null, Buffer.from(text, "utf8"), forger.privateKey).toString("base64url");
  return [
    { ...tampered, signature: { text: tampered.signature.text, sig: tamperedSig } },
    { msg_type: "BROADCAST", ttl: maxHops, signature: { text, sig: otherKey } },
    endMarker,
  ];
}

function startReceiver() {
  const execArgv = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = fork(worker, ["receive", String(WARM), String(COUNT)], { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const killTimer = setTimeout(() => child.kill("SIGKILL"), RUN_CAP_MS + 10_000);
  const on = {};
  const promises = Object.fromEntries(["ready", "probe", "warm", "done"].map((k) => [k, new Promise((resolve) => (on[k] = resolve))]));
  child.on("message", (m) => {
    for (const k of Object.keys(on)) if (m[k] !== undefined) on[k](k === "done" ? { ...m.done, at: performance.now() } : m[k]);
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  return {
    ...promises,
    async stop() {
      if (child.connected) child.send("exit");
      const t = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(t);
      clearTimeout(killTimer);
    },
  };
}

const within = (promise, ms, what) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: over ${ms} ms`)), ms).unref())]);
const within_or = (promise, ms, fallback) => Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve(fallback), ms).unref())]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function senderNode(identity, port) {
  const { limits } = benchLimits(DEFAULT_LIMITS, {});
  const node = await createNode({ host: "127.0.0.1", port: 0, plugins: ["ping"], limits, security: "tls" }, { logger: silentLogger, identity });
  await node.start();
  const peer = await node.join("127.0.0.1", port);
  const connection = node.connections.connectionOf(peer.id);
  return {
    node,
    async send(envelopes) {
      for (let i = 0; i < envelopes.length; i++) {
        if ((i & 15) === 0) while (connection.stats().queuedBytes >= HIGH_WATER) await sleep(1);
        if (!node.connections.send(peer.id, envelopes[i])) throw new Error("peerkit refused a send (queue full or closed)");
      }
    },
  };
}

/** One delivery run: probe, warm-up, `COUNT` timed signed broadcasts. */
async function deliveryRun(messages) {
  const receiver = startReceiver();
  const nodes = [];
  try {
    const { port } = await within(receiver.ready, 10_000, "receiver start");
    const probe = await senderNode(prober, port);
    nodes.push(probe.node);
    await probe.send(probeMessages());
    // A build that closes the connection on a forgery never delivers the end marker.
    const probed = await within_or(receiver.probe, 3_000, { forged: 0, endMarkerLost: true });
    // Gone before the timed run: the receiver would otherwise relay every message to it.
    await probe.node.shutdown();
    const sender = await senderNode(originator, port);
    nodes.push(sender.node);
    await sender.send(messages.slice(0, WARM));
    await within(receiver.warm, RUN_CAP_MS, "warm-up");
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await sender.send(messages.slice(WARM));
    const txCpu = process.cpuUsage(cpu0);
    const done = await within(receiver.done, RUN_CAP_MS, "delivery");
    return { perSec: COUNT / ((done.at - t0) / 1000), rxUs: done.cpuUsPerMsg, txUs: (txCpu.user + txCpu.system) / COUNT, forged: probed.forged, endMarkerLost: probed.endMarkerLost ?? false, unsigned: done.unsigned };
  } finally {
    await Promise.all(nodes.map((n) => n.shutdown()));
    await receiver.stop();
  }
}

console.log(`# signatures: signed BROADCASTs delivered per second over one secure link vs raw ed25519 crypto.verify (node ${process.version}, OpenSSL ${process.versions.openssl})`);
console.log(`# ${ROUNDS} rounds; per round: ${fmt(WARM)} + ${fmt(COUNT)} messages freshly signed, the baseline (3 passes over them, median) and one delivery run, in alternating order`);
const rounds = [];
for (let round = 0; round < ROUNDS; round++) {
  const t = performance.now();
  const messages = presign(originator, WARM + COUNT, (k) => ({ k, text: PAYLOAD }));
  const signUs = ((performance.now() - t) * 1000) / messages.length;
  const file = join(dir, `signed-${round}.ndjson`);
  writeFileSync(file, messages.map((m) => JSON.stringify({ signed: m.signature.text, sig: m.signature.sig, originator: m.originator })).join("\n"));
  const baseline = async () => {
    const r = await runWorker(worker, ["verify", file, String(WARM), "3"], { timeoutMs: 60_000, execArgv: [] });
    return { perSec: median(r.verifiesPerSec), cpuUs: median(r.cpuUsPerVerify) };
  };
  let verify;
  let delivery;
  if (round % 2 === 0) {
    verify = await baseline();
    delivery = await deliveryRun(messages);
  } else {
    delivery = await deliveryRun(messages);
    verify = await baseline();
  }
  rounds.push({ verify: verify.perSec, verifyCpuUs: verify.cpuUs, ...delivery, signUs, ratio: delivery.perSec / verify.perSec, cpuRatio: verify.cpuUs / delivery.rxUs });
}

const verifies = rounds.every((r) => r.forged === 0 && !r.endMarkerLost) ? "yes" : rounds.some((r) => r.forged > 0) ? "no" : "unclear";
const rows = [["round", "crypto.verify/s", "delivered/s", "delivered / verify", "CPU µs/verify", "receiver CPU µs/msg", "CPU ratio", "sender CPU µs/msg", "signEnvelope µs", "forgeries delivered"]];
rounds.forEach((r, i) =>
  rows.push([
    i + 1,
    fmt(r.verify),
    fmt(r.perSec),
    `${fmt(r.ratio, 2)}x`,
    fmt(r.verifyCpuUs, 1),
    fmt(r.rxUs, 1),
    `${fmt(r.cpuRatio, 2)}x`,
    fmt(r.txUs, 1),
    fmt(r.signUs, 1),
    r.endMarkerLost ? "probe cut off" : `${r.forged} of 2`,
  ]),
);
printTable("signatures: per round", rows);
const ratios = rounds.map((r) => r.ratio);
const summary = { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
const verdict = verifies === "yes" ? (summary.median >= TARGET ? "pass" : "MISS") : "n/a (this build does not verify signatures)";
const cpuRatios = rounds.map((r) => r.cpuRatio);
const cpuSummary = { median: median(cpuRatios), min: Math.min(...cpuRatios), max: Math.max(...cpuRatios) };
const cpuVerdict = verifies === "yes" ? (cpuSummary.median >= TARGET ? "pass" : "MISS") : "n/a";
printTable("signatures: summary", [
  ["measure", "median", "issue 11 target"],
  ["raw crypto.verify/s (ed25519, one key object)", fmt(median(rounds.map((r) => r.verify))), ""],
  ["signed broadcasts delivered/s (one secure link)", fmt(median(rounds.map((r) => r.perSec))), ""],
  ["delivered / verify (same round)", ratioCell(summary), `>= ${TARGET}x: ${verdict}`],
  ["CPU: µs per verify / receiver µs per message", ratioCell(cpuSummary), `>= ${TARGET}x: ${cpuVerdict} (same target, in CPU time)`],
  ["receiver CPU µs per message; CPU µs per verify", `${fmt(median(rounds.map((r) => r.rxUs)), 1)}; ${fmt(median(rounds.map((r) => r.verifyCpuUs)), 1)}`, ""],
]);
console.log(`\nsignatures verified by the receiving node: ${verifies}${verifies === "yes" ? " (both forgeries dropped in every round)" : ""}.`);
if (rounds.some((r) => r.unsigned > 0)) console.log(`WARNING: ${rounds.map((r) => r.unsigned).join("/")} deliveries carried no signature.`);
console.log("CPU ratio: the baseline's CPU time per verification over the receiving process's CPU time per delivered message: the rate ratio a saturated receiver would reach, less moved by the machine's other load.");
console.log("delivered/s: from the first timed send to the receiving node's last `broadcast` event (a warm-up before). Messages carry msg { k, text: 48 x }.");
if (process.env.BENCH_JSON) console.log(`BENCH_JSON signatures ${JSON.stringify({ rounds, verifies, verdict, cpuVerdict })}`);
