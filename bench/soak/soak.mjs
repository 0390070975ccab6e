// Soak test (issue 4, "Done when"): one peerkit node under 1,000 concurrent connections and a flood from
// a slow reader, for a bounded time; prints peak RSS and messages served / dropped / throttled.
//
//   npm run build && npm run soak                 # 30 s, 1000 connections
//   node bench/soak/soak.mjs --seconds 60 --connections 2000
//
// Processes (so that the node's memory and CPU are its own):
//   - the node (this file, --role node): the built dist/index.js, limits raised for 1,000+ peers,
//     broadcasting a chat line to every peer --broadcast-rate times a second;
//   - the clients (--role clients, --client-procs of them): raw TCP sockets on 127.0.0.1 that handshake
//     with PING, read everything, and send a PING every few seconds so that keepalive keeps them;
//   - the slow reader (--role slow): handshakes, then never reads again and sends as fast as TCP lets it
//     (BROADCAST, ADVERTISE, TEST): its BROADCASTs are forwarded to everyone, the ADVERTISE_REPLYs and the
//     node's broadcasts pile up for it; the node must drop them past limits.maxQueuedBytes (counted in
//     stats().dropped) and slow its reading to limits.maxFramesPerSecond (stats().throttled).
// Only 127.0.0.1 is used. Every child is killed when the run ends, on error, or on Ctrl-C.
import "reflect-metadata";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const SELF = fileURLToPath(import.meta.url);
const DIST = new URL("../../dist/index.js", import.meta.url);
const HOST = "127.0.0.1";

const { values: opts } = parseArgs({
  options: {
    role: { type: "string", default: "main" },
    seconds: { type: "string", default: "30" },
    connections: { type: "string", default: "1000" },
    "client-procs": { type: "string", default: "2" },
    "broadcast-rate": { type: "string", default: "20" },
    "payload-bytes": { type: "string", default: "512" },
    "max-frames-per-second": { type: "string", default: "200" },
    "max-queued-bytes": { type: "string", default: String(256 * 1024) },
    port: { type: "string" },
    count: { type: "string" },
    prefix: { type: "string" },
  },
  strict: true,
});
const num = (name) => {
  const value = Number(opts[name]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number, not ${opts[name]}`);
  return value;
};

/** Writes one JSON line to stdout (children report to the main process this way). */
const report = (object) => process.stdout.write(JSON.stringify(object) + "\n");

/** Peak resident set size of this process (VmHWM), in bytes; falls back to the current RSS. */
function peakRss() {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux: the sampled maximum serves.
  }
  return process.memoryUsage.rss();
}

// ------------------------------------------------------------------------------------------------
// The node.

async function runNode() {
  const { createNode } = await import(DIST.href);
  const connections = num("connections");
  const logCounts = new Map();
  const count = (level, message) => logCounts.set(`${level}: ${message}`, (logCounts.get(`${level}: ${message}`) ?? 0) + 1);
  const logger = {
    debug() {},
    info() {},
    warn: (message) => count("warn", message),
    error: (message, fields) => {
      count("error", message);
      if ((logCounts.get(`error: ${message}`) ?? 0) <= 3) process.stderr.write(`[soak node] ERROR ${message} ${JSON.stringify(fields ?? {})}\n`);
    },
  };
  const node = await createNode(
    {
      id: "soak-node",
      // The clients are raw plaintext sockets speaking protocol v1 (PING/PONG in the clear): the node
      // runs --insecure. The secure path's own costs are measured by bench/link.mjs and handshakes.mjs.
      security: "none",
      host: HOST,
      port: 0,
      limits: {
        maxConnections: connections + 100,
        maxPeers: connections + 100,
        // Every client connects from 127.0.0.1, all at once: the inbound and per-address caps that
        // protect a default node are lifted to the soak's size.
        maxInboundPeers: connections + 100,
        maxInboundPeersPerAddress: connections + 100,
        maxPendingConnections: connections + 100,
        maxPendingPerAddress: connections + 100,
        maxQueuedBytes: num("max-queued-bytes"),
        maxFramesPerSecond: num("max-frames-per-second"),
        frameBurst: num("max-frames-per-second"),
        handshakeMs: 60_000,
      },
    },
    { logger },
  );

  // Totals over every connection, closed ones included.
  const live = new Set();
  const closedTotals = { framesIn: 0, framesOut: 0, badFrames: 0, dropped: 0, throttled: 0 };
  const slow = { dropped: 0, throttled: 0, framesIn: 0, maxQueued: 0 };
  node.connections.onOpen((connection) => live.add(connection));
  node.connections.onClose((connection) => {
    const s = connection.stats();
    for (const key of Object.keys(closedTotals)) closedTotals[key] += s[key];
    if (connection.peerId === "slow-reader") Object.assign(slow, { dropped: s.dropped, throttled: s.throttled, framesIn: s.framesIn });
    live.delete(connection);
  });
  let delivered = 0;
  let tests = 0;
  node.on("broadcast", () => delivered++);
  node.on("test", () => tests++);

  await node.start();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  let seq = 0;
  const pad = "x".repeat(num("payload-bytes"));
  const rate = num("broadcast-rate");
  const broadcaster = rate > 0 ? setInterval(() => node.broadcast({ text: `soak line ${++seq}`, pad }), 1000 / rate) : undefined;

  const sample = () => {
    const totals = { ...closedTotals };
    let queued = 0;
    for (const connection of live) {
      const s = connection.stats();
      for (const key of Object.keys(totals)) totals[key] += s[key];
      queued += s.queuedBytes;
      if (connection.peerId === "slow-reader") Object.assign(slow, { dropped: s.dropped, throttled: s.throttled, framesIn: s.framesIn, maxQueued: Math.max(slow.maxQueued, s.queuedBytes) });
    }
    const memory = process.memoryUsage();
    const row = {
      type: "sample",
      rss: memory.rss,
      peakRss: peakRss(),
      heapUsed: memory.heapUsed,
      open: live.size,
      peers: node.peers.connectedCount(),
      ...totals,
      queued,
      slow: { ...slow },
      broadcastsSent: seq,
      delivered,
      tests,
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      loopDelayMaxMs: loopDelay.max / 1e6,
    };
    loopDelay.reset();
    return row;
  };
  const sampler = setInterval(() => report(sample()), 1000);
  report({ type: "listening", port: node.address.port, pid: process.pid });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(sampler);
    if (broadcaster) clearInterval(broadcaster);
    report({ ...sample(), type: "final", logs: Object.fromEntries(logCounts) });
    const started = performance.now();
    await node.shutdown();
    report({ type: "done", shutdownMs: Math.round(performance.now() - started) });
    process.exit(0);
  };
  createInterface({ input: process.stdin })
    .on("line", (line) => line.trim() === "stop" && void stop())
    .on("close", () => void stop()); // the main process is gone
  process.on("SIGTERM", () => void stop());
}

// ------------------------------------------------------------------------------------------------
// Well-behaved clients and the slow reader.

const ping = (id) => JSON.stringify({ msg_type: "PING", msg: { id, host: HOST, port: 9 }, originator: id, time: Date.now() }) + "\n";

/** Counts the newlines in a chunk. */
function countLines(chunk) {
  let lines = 0;
  for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
  return lines;
}

async function runClients() {
  const port = num("port");
  const total = num("count");
  const prefix = opts.prefix ?? "c";
  const stats = { open: 0, failed: 0, closedByNode: 0, linesIn: 0, bytesIn: 0, pingsSent: 0 };
  const sockets = new Set();
  let stopping = false;

  const open = (index) =>
    new Promise((resolve) => {
      const id = `${prefix}-${index}`;
      const socket = connect({ host: HOST, port });
      socket.setNoDelay(true);
      socket.on("connect", () => {
        stats.open++;
        sockets.add(socket);
        socket.write(ping(id));
        stats.pingsSent++;
        resolve();
      });
      socket.on("data", (chunk) => {
        stats.linesIn += countLines(chunk);
        stats.bytesIn += chunk.length;
      });
      socket.on("error", () => {});
      socket.on("close", () => {
        if (sockets.delete(socket)) {
          stats.open--;
          if (!stopping) stats.closedByNode++;
        } else {
          stats.failed++;
          resolve();
        }
      });
      socket.id = id;
    });

  // Connect in batches: the listen backlog is finite.
  for (let i = 0; i < total; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, total - i) }, (_, k) => open(i + k)));
  }
  report({ type: "clients", prefix, connected: true, ...stats });

  // Keepalive drops a peer silent for 15 s: each socket says PING every ~4 s, staggered.
  const list = [...sockets];
  let next = 0;
  const heartbeat = setInterval(() => {
    for (let k = 0; k < Math.ceil(list.length / 40); k++) {
      const socket = list[next++ % list.length];
      if (socket && !socket.destroyed) {
        socket.write(ping(socket.id));
        stats.pingsSent++;
      }
    }
  }, 100);
  const reporter = setInterval(() => report({ type: "clients", prefix, ...stats }), 1000);
  process.on("SIGTERM", () => {
    stopping = true;
    clearInterval(heartbeat);
    clearInterval(reporter);
    report({ type: "clients", prefix, final: true, ...stats });
    for (const socket of sockets) socket.destroy();
    process.exit(0);
  });
  exitWithParent();
}

/** A child exits when the main process goes away (its stdin closes), so nothing outlives a run. */
function exitWithParent() {
  process.stdin.on("close", () => process.exit(0));
  process.stdin.resume();
}

async function runSlowReader() {
  const port = num("port");
  const socket = connect({ host: HOST, port });
  socket.setNoDelay(true);
  socket.on("error", () => {});
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(ping("slow-reader"));
  // Read nothing more, ever: the node's frames to us pile up in the kernel buffers, then in its queue.
  socket.pause();
  const stats = { sent: 0, closed: false };
  socket.on("close", () => (stats.closed = true));
  let n = 0;
  const frame = () => {
    const id = `slow-${++n}`;
    switch (n % 4) {
      case 0:
        return { msg_type: "BROADCAST", msg: { text: `flood ${n}` }, originator: "slow-reader", time: Date.now(), id, ttl: 2 };
      case 1:
        return { msg_type: "ADVERTISE", msg: null, originator: "slow-reader", time: Date.now() };
      default:
        return { msg_type: "TEST", msg: { n }, originator: "slow-reader", time: Date.now() };
    }
  };
  const pump = () => {
    while (!socket.destroyed) {
      stats.sent++;
      if (!socket.write(JSON.stringify(frame()) + "\n")) return void socket.once("drain", pump);
    }
  };
  // Let the handshake land before the flood (a BROADCAST before it would be rejected).
  setTimeout(pump, 200);
  const reporter = setInterval(() => report({ type: "slow", ...stats, bufferedHere: socket.writableLength }), 1000);
  process.on("SIGTERM", () => {
    clearInterval(reporter);
    report({ type: "slow", final: true, ...stats });
    socket.destroy();
    process.exit(0);
  });
  exitWithParent();
}

// ------------------------------------------------------------------------------------------------
// The main process: spawns, samples, prints.

function fdLimits() {
  try {
    const soft = execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim();
    const hard = execFileSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).trim();
    const parse = (v) => (v === "unlimited" ? Infinity : Number(v));
    return { soft: parse(soft), hard: parse(hard) };
  } catch {
    return { soft: Infinity, hard: Infinity };
  }
}

const children = new Set();

/** Spawns this script in another role, with the open-file limit raised to `fds` (within the hard limit). */
function spawnRole(role, args, fds) {
  const child = spawn("sh", ["-c", `ulimit -n ${fds} 2>/dev/null; exec "$@"`, "sh", process.execPath, SELF, "--role", role, ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.add(child);
  child.on("exit", () => children.delete(child));
  child.messages = [];
  child.waiters = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      process.stderr.write(`[${role}] ${line}\n`);
      return;
    }
    child.last = message;
    child.messages.push(message);
    if (child.messages.length > 50) child.messages.shift();
    for (const waiter of [...child.waiters]) waiter(message);
  });
  return child;
}

/** Resolves with the first message from `child` that matches, or fails after `ms`. */
function waitMessage(child, predicate, what, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    const exit = () => reject(new Error(`a child exited while waiting for ${what}`));
    child.once("exit", exit);
    const waiter = (message) => {
      if (!predicate(message)) return;
      clearTimeout(timer);
      child.off("exit", exit);
      child.waiters.splice(child.waiters.indexOf(waiter), 1);
      resolve(message);
    };
    child.waiters.push(waiter);
  });
}

function killAll() {
  for (const child of children) child.kill("SIGKILL");
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const int = (n) => Math.round(n).toLocaleString("en-US");

async function main() {
  const seconds = num("seconds");
  const connections = num("connections");
  const procs = Math.max(1, num("client-procs"));
  const { soft, hard } = fdLimits();
  const nodeFds = connections + 512;
  const clientFds = Math.ceil(connections / procs) + 512;
  if (hard < nodeFds) {
    console.error(`The open-file hard limit (ulimit -Hn = ${hard}) is below the ${nodeFds} the node needs for ${connections} connections; raise it (as root: ulimit -Hn ${nodeFds}) or pass --connections.`);
    process.exit(1);
  }
  const shared = [
    "--connections", String(connections),
    "--broadcast-rate", opts["broadcast-rate"],
    "--payload-bytes", opts["payload-bytes"],
    "--max-frames-per-second", opts["max-frames-per-second"],
    "--max-queued-bytes", opts["max-queued-bytes"],
  ];
  console.log(
    `soak: ${connections} connections over ${procs} client process(es) + 1 slow reader, ${seconds} s; ` +
      `node broadcasts ${opts["broadcast-rate"]}/s (${opts["payload-bytes"]} B); limits.maxFramesPerSecond ${opts["max-frames-per-second"]}, ` +
      `limits.maxQueuedBytes ${mib(num("max-queued-bytes"))}; ulimit -n ${soft} (hard ${hard}), children run with ${Math.max(nodeFds, clientFds)}`,
  );

  const node = spawnRole("node", shared, nodeFds);
  const listening = await waitMessage(node, (m) => m.type === "listening", "the node to listen", 30_000);
  const port = String(listening.port);
  const startRss = (await waitMessage(node, (m) => m.type === "sample", "a first sample", 10_000)).rss;

  const connectStarted = Date.now();
  const clientProcs = [];
  for (let p = 0; p < procs; p++) {
    const count = Math.floor(connections / procs) + (p < connections % procs ? 1 : 0);
    clientProcs.push(spawnRole("clients", ["--port", port, "--count", String(count), "--prefix", `c${p}`], clientFds));
  }
  const connected = await Promise.all(clientProcs.map((c) => waitMessage(c, (m) => m.type === "clients" && m.connected, "the clients to connect", 120_000)));
  const failed = connected.reduce((sum, m) => sum + m.failed, 0);
  const connectMs = Date.now() - connectStarted;
  const afterConnect = (await waitMessage(node, (m) => m.type === "sample", "a sample", 10_000));
  console.log(`connected ${connections - failed}/${connections} clients in ${connectMs} ms (${failed} failed); node has ${afterConnect.open} connections, ${afterConnect.peers} peers, RSS ${mib(afterConnect.rss)} (at start ${mib(startRss)})`);

  const slow = spawnRole("slow", ["--port", port], 1024);
  const started = Date.now();
  const samples = [];
  let peakOpen = 0;
  let lastPrint = 0;
  while (Date.now() - started < seconds * 1000) {
    const s = await waitMessage(node, (m) => m.type === "sample", "a sample", 30_000);
    samples.push({ ...s, at: (Date.now() - started) / 1000 });
    peakOpen = Math.max(peakOpen, s.open);
    if (Date.now() - lastPrint >= 5000) {
      lastPrint = Date.now();
      console.log(
        `  t=${String(Math.round(s.at ?? (Date.now() - started) / 1000)).padStart(3)} s  rss ${mib(s.rss).padStart(10)}  open ${s.open}  out ${int(s.framesOut)}  in ${int(s.framesIn)}  ` +
          `dropped ${int(s.dropped)} (slow reader ${int(s.slow.dropped)})  throttled ${int(s.throttled)}  queued ${mib(s.queued)}  loop p99 ${s.loopDelayP99Ms.toFixed(0)} ms`,
      );
    }
  }

  // Stop: clients first (their final counters), then the node (its final counters and shutdown time).
  const clientFinals = await Promise.all(
    [...clientProcs, slow].map((c) => {
      const final = waitMessage(c, (m) => m.final, "a final report", 10_000).catch(() => c.last ?? {});
      c.kill("SIGTERM");
      return final;
    }),
  );
  const nodeFinal = waitMessage(node, (m) => m.type === "final", "the node's final sample", 30_000);
  const beforeStop = samples.at(-1);
  node.stdin.write("stop\n");
  const final = await nodeFinal;
  const done = await waitMessage(node, (m) => m.type === "done", "the node to shut down", 30_000).catch(() => ({ shutdownMs: NaN }));

  const rssAt = (fraction) => samples[Math.min(samples.length - 1, Math.floor(samples.length * fraction))]?.rss ?? NaN;
  const clientLines = clientFinals.slice(0, -1).reduce((sum, m) => sum + (m.linesIn ?? 0), 0);
  const closedByNode = clientFinals.slice(0, -1).reduce((sum, m) => sum + (m.closedByNode ?? 0), 0);
  const slowFinal = clientFinals.at(-1) ?? {};
  const third = rssAt(1 / 3);
  const end = rssAt(1);
  const stable = end <= third * 1.25 + 16 * 1024 * 1024;

  const rows = [
    ["duration of the flood", `${seconds} s (+ ${(connectMs / 1000).toFixed(1)} s to connect)`],
    ["connections open (peak / at end)", `${int(peakOpen)} / ${int(beforeStop.open)} (handshaken peers at end: ${int(beforeStop.peers)})`],
    ["client connections closed by the node", int(closedByNode)],
    ["peak RSS of the node (VmHWM)", mib(final.peakRss)],
    ["RSS: start / connected / 1/3 / 2/3 / end", [startRss, afterConnect.rss, third, rssAt(2 / 3), end].map(mib).join(" / ")],
    ["memory bounded (end <= 1/3-mark + 25% + 16 MiB)", stable ? "yes" : "NO: RSS kept growing"],
    ["frames received by the node", int(final.framesIn)],
    ["frames sent by the node (served)", `${int(final.framesOut)} (${int(final.framesOut / seconds)}/s)`],
    ["  of which the node's own broadcasts", `${int(final.broadcastsSent)} broadcasts x ${int(connections)} peers`],
    ["broadcasts delivered to the node's app", int(final.delivered)],
    ["frames read by the well-behaved clients", int(clientLines)],
    ["frames sent by the slow reader", `${int(slowFinal.sent ?? 0)} (the node read ${int(final.slow.framesIn)})`],
    ["frames dropped for the slow reader", int(final.slow.dropped)],
    ["frames dropped, all connections", int(final.dropped)],
    ["largest queue to the slow reader", mib(final.slow.maxQueued)],
    ["throttle pauses (slow reader / all)", `${int(final.slow.throttled)} / ${int(final.throttled)}`],
    ["bad frames", int(final.badFrames)],
    ["node event-loop delay p99 (median / worst second)", `${median(samples.map((x) => x.loopDelayP99Ms)).toFixed(0)} / ${Math.max(...samples.map((x) => x.loopDelayP99Ms)).toFixed(0)} ms`],
    ["shutdown time", `${done.shutdownMs} ms`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log("\nsoak result");
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  const logs = Object.entries(final.logs ?? {});
  if (logs.length > 0) {
    console.log("\nnode warnings/errors (count)");
    for (const [message, n] of logs) console.log(`  ${String(n).padStart(8)}  ${message}`);
  }
  killAll();
  if (!stable) process.exitCode = 1;
}

process.on("SIGINT", () => {
  killAll();
  process.exit(130);
});

switch (opts.role) {
  case "main":
    main().catch((error) => {
      console.error(`soak failed: ${error.message}`);
      killAll();
      process.exit(1);
    });
    break;
  case "node":
    await runNode();
    break;
  case "clients":
    await runClients();
    break;
  case "slow":
    await runSlowReader();
    break;
  default:
    throw new Error(`unknown --role ${opts.role}`);
}
