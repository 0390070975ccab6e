// The top frames of a V8 CPU profile (`node --cpu-prof`; the benches write one per receiver with
// BENCH_CPU_PROF=DIR): self time per function, and total (inclusive) time for the heaviest call paths.
// Usage: node bench/profile-top.mjs FILE.cpuprofile [--top 25]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string", default: "25" } } });
if (positionals.length !== 1) {
  console.error("usage: node bench/profile-top.mjs FILE.cpuprofile [--top 25]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0], "utf8"));
const top = Number(values.top);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
// Sample time per node: the deltas are the time since the previous sample.
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const nameOf = (n) => {
  const f = n.callFrame;
  const file = f.url ? f.url.replace(/^file:\/\/.*?\/(dist|bench|node_modules)\//, "$1/").replace(/^node:/, "node:") : "";
  return `${f.functionName || "(anonymous)"} ${file ? `${file}:${f.lineNumber + 1}` : ""}`.trim();
};
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const self = new Map();
const inclusive = new Map();
for (const [id, us] of selfUs) {
  const name = nameOf(byId.get(id));
  self.set(name, (self.get(name) ?? 0) + us);
  // Inclusive: charge every distinct function on the stack once.
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const n = nameOf(byId.get(cur));
    if (seen.has(n)) continue;
    seen.add(n);
    inclusive.set(n, (inclusive.get(n) ?? 0) + us);
  }
}
const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${name}`);
};
console.log(`${positionals[0]}: ${(total / 1000).toFixed(0)} ms sampled`);
print("self time", self);
print("inclusive time (function on the stack)", inclusive);
