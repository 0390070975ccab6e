// Shared helpers of the benchmarks: seeded PRNG, topology, statistics, tables, peerkit limits.
import { execFileSync, fork } from "node:child_process";
import { performance } from "node:perf_hooks";

/** Mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of this run: BENCH_SEED, else 20261125. */
export function benchSeed() {
  return Number(process.env.BENCH_SEED ?? 20261125);
}

/**
 * A random connected topology: node i dials 3 or 4 random others it is not yet linked to (average
 * degree about 7). If the result is not connected, components are joined by one extra edge each.
 * Returns { edges: [[dialler, listener], ...], degree: number[], extraEdges }.
 */
export function randomTopology(n, seed) {
  const rand = prng(seed);
  const adj = Array.from({ length: n }, () => new Set());
  const edges = [];
  const link = (a, b) => {
    adj[a].add(b);
    adj[b].add(a);
    edges.push([a, b]);
  };
  for (let i = 0; i < n; i++) {
    const want = Math.min(3 + (rand() < 0.5 ? 0 : 1), n - 1);
    let dialled = 0;
    for (let tries = 0; dialled < want && tries < 1000; tries++) {
      const j = Math.floor(rand() * n);
      if (j === i || adj[i].has(j)) continue;
      link(i, j);
      dialled++;
    }
  }
  // Join components, if any, so that a flood can reach every node.
  let extraEdges = 0;
  for (;;) {
    const seen = new Set([0]);
    const stack = [0];
    while (stack.length) for (const m of adj[stack.pop()]) if (!seen.has(m)) (seen.add(m), stack.push(m));
    if (seen.size === n) break;
    const outside = [...Array(n).keys()].find((k) => !seen.has(k));
    link(outside, [...seen][Math.floor(rand() * seen.size)]);
    extraEdges++;
  }
  return { edges, degree: adj.map((s) => s.size), neighbours: adj.map((s) => [...s]), extraEdges };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[k];
}

/** The median of numbers (the mean of the middle two for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A table cell for a ratio { median, min, max } over rounds: "0.85x (0.80-0.90)". */
export function ratioCell(r, digits = 2) {
  if (r === undefined) return "n/a";
  return `${fmt(r.median, digits)}x (${fmt(r.min, digits)}-${fmt(r.max, digits)})`;
}

export function mean(xs) {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Formats a number for a table cell. */
export function fmt(x, digits = 0) {
  if (x === undefined || x === null || Number.isNaN(x)) return "n/a";
  if (typeof x === "string") return x;
  if (x === Infinity) return "lost";
  return x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Prints a plain-text table: rows of strings, first row the header. */
export function printTable(title, rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const line = (r) => r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join("  ");
  console.log(`\n${title}`);
  console.log(line(rows[0]));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows.slice(1)) console.log(line(r));
}

export const MiB = 1024 * 1024;

/** Waits until every node of `adapter` has the degree `topo` gives it; throws after 10 s, naming the node. */
export async function waitForTopology(adapter, topo, system) {
  for (let i = 0; i < topo.degree.length; i++) {
    const deadline = performance.now() + 10_000;
    while (adapter.degree(i) < topo.degree[i]) {
      if (performance.now() > deadline) throw new Error(`${system}: node ${i} has ${adapter.degree(i)} peers, expected ${topo.degree[i]}`);
      await sleep(10);
    }
  }
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Best-effort collection before a memory reading (the workers run with --expose-gc). */
export async function settleMemory() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await sleep(50);
  }
}

/**
 * The benchmark's peerkit limits: only fields this build of peerkit knows (the config validator refuses
 * unknown ones). Throttles (rate limit, write backpressure) are set far above what a benchmark sends.
 * Returns { limits, notes } where notes say what was raised.
 */
export function benchLimits(DEFAULT_LIMITS, wanted) {
  const limits = {};
  const notes = [];
  for (const [key, value] of Object.entries(wanted)) {
    if (key in DEFAULT_LIMITS) limits[key] = value;
  }
  // handshakes…PerAddress: every benchmark connection comes from 127.0.0.1, one source to that limit.
  const throttles = { maxFramesPerSecond: 1e9, frameBurst: 1e9, maxQueuedBytes: 1024 * MiB, handshakesPerSecondPerAddress: 1e9, handshakeBurstPerAddress: 1e9 };
  for (const [key, value] of Object.entries(throttles)) {
    if (key in DEFAULT_LIMITS) {
      limits[key] = value;
      notes.push(`limits.${key}=${value} (default ${DEFAULT_LIMITS[key]}): set high so it does not throttle the benchmark`);
    } else {
      notes.push(`limits.${key}: not in this build of peerkit`);
    }
  }
  return { limits, notes };
}

/**
 * Runs a worker script in a child process with a hard time bound, and returns the JSON object it sends
 * over IPC as { result }. The child is killed (SIGKILL) when the bound passes.
 */
export function runWorker(script, args, { timeoutMs = 60_000, execArgv = ["--expose-gc"], cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, { execArgv, cwd, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let result;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} ${args.join(" ")}: over ${timeoutMs} ms, killed`));
    }, timeoutMs);
    child.on("message", (message) => {
      if (message?.result) result = message.result;
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`${script} ${args.join(" ")}: exited with ${signal ?? code} and no result`));
    });
  });
}

export function nodeVersion() {
  return process.version;
}

export function gitRevision() {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

/** A latency that may be censored (a string "lost (> T ms)") as a number for sorting: censored is Infinity. */
const asNumber = (x) => (typeof x === "number" ? x : Infinity);

/**
 * The median run of several runs of one workload: each numeric field (and censored latency) is the median
 * over the runs (a censored median stays the string); other fields are the first run's. `rounds` is the
 * number of runs, `runs` the runs themselves.
 */
export function medianResult(runs) {
  const out = { ...runs[0], rounds: runs.length, runs };
  for (const [key, value] of Object.entries(runs[0])) {
    if (typeof value !== "number" && !(typeof value === "string" && value.startsWith("lost"))) continue;
    const sorted = runs.map((r) => r[key]).sort((a, b) => asNumber(a) - asNumber(b));
    const m = sorted.length >> 1;
    if (sorted.length % 2) out[key] = sorted[m];
    else out[key] = typeof sorted[m - 1] === "number" && typeof sorted[m] === "number" ? (sorted[m - 1] + sorted[m]) / 2 : sorted[m];
  }
  return out;
}

/** Per-round ratios a[i][key] / b[i][key] of runs made in the same rounds: { median, min, max }, or undefined. */
export function roundRatios(a, b, key) {
  const ratios = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]?.[key];
    const y = b[i]?.[key];
    if (typeof x === "number" && typeof y === "number") ratios.push(x / y);
  }
  return ratios.length ? { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) } : undefined;
}
