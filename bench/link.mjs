// Benchmark 1, link: one connection between two processes on 127.0.0.1. This process sends, a forked
// receiver counts deliveries at the application. 200,000 envelopes of a 64-byte then a 1 KiB payload,
// through (a) bare node:net, one write per message, (b) bare node:net, writes batched, (c) peerkit's
// public API (node.connections.send). Every sender respects backpressure: nothing is queued without bound.
import "reflect-metadata";
import { fork } from "node:child_process";
import { connect } from "node:net";
import { performance } from "node:perf_hooks";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { peerkit, peerkitDir } from "./lib/peerkit.mjs";
import { benchLimits, fmt, printTable } from "./lib/common.mjs";

const { createNode, silentLogger, DEFAULT_LIMITS } = peerkit;

const COUNT = Number(process.env.BENCH_LINK_COUNT ?? 200_000);
const SIZES = [64, 1024];
const RUN_CAP_MS = 20_000;
const BATCH = 256; // messages per write in the batched baseline
const HIGH_WATER = 16 * 1024; // the queue bound every sender keeps to: net.Socket's default highWaterMark
const receiverPath = fileURLToPath(new URL("./link-receiver.mjs", import.meta.url));

function startReceiver(mode) {
  // BENCH_CPU_PROF=DIR profiles each receiver with node --cpu-prof into DIR.
  const execArgv = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = fork(receiverPath, [mode, String(COUNT)], { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const killTimer = setTimeout(() => child.kill("SIGKILL"), RUN_CAP_MS + 10_000);
  let onDone;
  const done = new Promise((resolve) => (onDone = resolve));
  const ready = new Promise((resolve, reject) => {
    child.on("message", (m) => {
      if (m.ready) resolve(m.ready);
      if (m.done) onDone({ at: performance.now(), cpuUsPerMsg: m.done.cpuUsPerMsg });
    });
    child.on("exit", (code) => reject(new Error(`receiver exited early (${code})`)));
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  return {
    ready,
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

function envelope(originator, payload) {
  return { msg_type: "BENCH", msg: payload, originator, time: Date.now() };
}

const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

const withTimeout = (promise, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: over ${RUN_CAP_MS} ms`)), RUN_CAP_MS).unref())]);

async function runNet(size, batched) {
  const receiver = startReceiver("net");
  const { port } = await receiver.ready;
  const socket = connect(port, "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.setNoDelay(true);
  const payload = "x".repeat(size);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  if (batched) {
    for (let i = 0; i < COUNT; ) {
      while (socket.writableLength >= HIGH_WATER) await yieldToLoop();
      let text = "";
      for (const end = Math.min(COUNT, i + BATCH); i < end; i++) text += JSON.stringify(envelope("bench-sender", payload)) + "\n";
      socket.write(text);
    }
  } else {
    for (let i = 0; i < COUNT; i++) {
      if ((i & 63) === 0) while (socket.writableLength >= HIGH_WATER) await yieldToLoop();
      socket.write(JSON.stringify(envelope("bench-sender", payload)) + "\n");
    }
  }
  const sendCpu = process.cpuUsage(cpu0);
  const done = await withTimeout(receiver.done, "net link");
  socket.destroy();
  await receiver.stop();
  return { msgsPerSec: COUNT / ((done.at - t0) / 1000), rxUs: done.cpuUsPerMsg, txUs: (sendCpu.user + sendCpu.system) / COUNT };
}

async function runPeerkit(size) {
  const receiver = startReceiver("peerkit");
  const { port } = await receiver.ready;
  const { limits, notes } = benchLimits(DEFAULT_LIMITS, {});
  const node = await createNode({ host: "127.0.0.1", port: 0, plugins: ["ping"], limits }, { logger: silentLogger });
  let credited = 0;
  let onCredit;
  node.dispatcher.on("BENCH_CREDIT", (e) => {
    credited = e.msg;
    onCredit?.();
  });
  await node.start();
  const peer = await node.join("127.0.0.1", port);
  const connection = node.connections.connectionOf(peer.id);
  const payload = "x".repeat(size);
  // Pacing. If the connection reports its write queue (Connection.stats().queuedBytes), keep it under
  // HIGH_WATER, checking every 64 sends and yielding to the event loop while it is over. Otherwise, a
  // credit window at the application: at most WINDOW messages not yet acknowledged by the receiver.
  const canSeeQueue = typeof connection?.stats === "function" && typeof connection.stats().queuedBytes === "number";
  const WINDOW = 8_192;
  let pacing;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  if (canSeeQueue) {
    pacing = `Connection.stats().queuedBytes < ${HIGH_WATER} (checked every 64 sends, setImmediate while over)`;
    for (let i = 0; i < COUNT; i++) {
      if ((i & 63) === 0) while (connection.stats().queuedBytes >= HIGH_WATER) await yieldToLoop();
      if (!node.connections.send(peer.id, envelope(node.id, payload))) throw new Error("peerkit refused a send (queue full or closed)");
    }
  } else {
    pacing = `credit window of ${WINDOW} messages (the public API exposes no write-queue size)`;
    node.connections.send(peer.id, { msg_type: "BENCH_HELLO", msg: null, originator: node.id, time: Date.now() });
    for (let i = 0; i < COUNT; i++) {
      while (i - credited >= WINDOW) await new Promise((r) => (onCredit = r));
      node.connections.send(peer.id, envelope(node.id, payload));
    }
  }
  const sendCpu = process.cpuUsage(cpu0);
  const done = await withTimeout(receiver.done, "peerkit link");
  const dropped = connection?.stats?.().dropped ?? 0;
  await node.shutdown();
  await receiver.stop();
  return { msgsPerSec: COUNT / ((done.at - t0) / 1000), rxUs: done.cpuUsPerMsg, txUs: (sendCpu.user + sendCpu.system) / COUNT, pacing, notes, dropped };
}

console.log(`# link: ${fmt(COUNT)} envelopes over one TCP connection between two processes on 127.0.0.1 (node ${process.version})`);
const rows = [["payload", "net 1 write/msg", "net batched", "peerkit", "peerkit / net 1 write/msg", "peerkit / net batched"]];
const results = {};
const cpuRows = [["payload", "net 1 write/msg tx", "rx", "net batched tx", "rx", "peerkit tx", "rx", "peerkit rx / net rx"]];
let peerkitInfo;
for (const size of SIZES) {
  const single = await runNet(size, false);
  const batched = await runNet(size, true);
  const peerkit = await runPeerkit(size);
  peerkitInfo = peerkit;
  results[size] = { single, batched, peerkit: { ...peerkit, notes: undefined } };
  cpuRows.push([
    `${size} B`,
    fmt(single.txUs, 2),
    fmt(single.rxUs, 2),
    fmt(batched.txUs, 2),
    fmt(batched.rxUs, 2),
    fmt(peerkit.txUs, 2),
    fmt(peerkit.rxUs, 2),
    `${fmt(peerkit.rxUs / single.rxUs, 2)}x`,
  ]);
  rows.push([
    `${size} B`,
    fmt(single.msgsPerSec),
    fmt(batched.msgsPerSec),
    fmt(peerkit.msgsPerSec),
    `${fmt(peerkit.msgsPerSec / single.msgsPerSec, 2)}x`,
    `${fmt(peerkit.msgsPerSec / batched.msgsPerSec, 2)}x`,
  ]);
}
printTable("link: delivered msgs/s at the receiving application", rows);
printTable("link: CPU microseconds per message (user + system; sender: while sending, receiver: first to last delivery)", cpuRows);
console.log(`\nnet batched: ${BATCH} messages per write. net senders pace on socket.writableLength < ${HIGH_WATER} (checked every 64 messages, or every batch; setImmediate while over).`);
console.log(`peerkit sender paces on: ${peerkitInfo.pacing}; frames dropped by peerkit: ${SIZES.map((s) => results[s].peerkit.dropped).join(", ")}`);
// TcpConnection gathers the frames sent in one event-loop turn into one write, so issue 6 compares
// peerkit with the batched baseline.
console.log(`peerkit batches the frames of one event-loop turn into one write: issue 6 compares it with "net batched".`);
for (const note of peerkitInfo.notes) console.log(`peerkit ${note}`);
if (process.env.BENCH_JSON) console.log(`BENCH_JSON link ${JSON.stringify(results)}`);
