// Tables of the broadcast workload's results, shared by broadcast.mjs and versus/versus.mjs.
import { fmt, printTable } from "./common.mjs";

/** One system's figures, one row per N. */
export function printSystemTable(title, results) {
  const rows = [["N", "start N (ms)", "connect (ms)", "samples", "p50 (ms)", "p99 (ms)", "first contact p50/p99 (ms)", "CPU ms/sample", "burst", "msgs/s/node", "CPU µs/delivery", "copies/node/msg", "RSS/node (MiB)", "RSS/node after burst"]];
  for (const r of results) {
    rows.push([
      r.n,
      fmt(r.startMs),
      fmt(r.connectMs),
      r.lost ? `${r.samples} (${r.lost} lost, reach ${fmt(100 * r.reach, 1)}%)` : r.samples,
      fmt(r.p50Ms, 2),
      fmt(r.p99Ms, 2),
      r.firstContacts ? `${fmt(r.firstContactP50Ms, 2)} / ${fmt(r.firstContactP99Ms, 2)}` : "n/a",
      fmt(r.cpuMsPerSample, 2),
      `${fmt(r.burstSent)}${r.burstComplete ? "" : " (capped)"}`,
      fmt(r.msgsPerSecPerNode),
      fmt(r.cpuUsPerBurstDelivery, 1),
      fmt(r.copiesPerNodePerMsg, 2),
      fmt(r.rssPerNodeMiB, 2),
      fmt(r.rssAfterBurstPerNodeMiB, 2),
    ]);
  }
  printTable(title, rows);
}

/** a / b for numbers; for a censored latency (a string), a lower bound. */
function ratio(a, b, { lowerIsBetter = false } = {}) {
  if (typeof a === "number" && typeof b === "number") return `${fmt(a / b, 2)}x`;
  const bound = (x) => (typeof x === "string" ? Number(/> (\d+)/.exec(x)?.[1]) : x);
  if (typeof b === "string") return `<= ${fmt(bound(a) / bound(b), 3)}x`;
  if (typeof a === "string") return `>= ${fmt(bound(a) / bound(b), 2)}x`;
  return "n/a";
}

/** Ratios of system a to system b, one row per N present in both. */
export function printRatioTable(title, a, b) {
  const rows = [["N", "start", "p50", "p99", "first contact p99", "CPU/sample", "msgs/s/node", "CPU/delivery", "copies/node/msg", "RSS/node", "RSS/node after burst"]];
  for (const ra of a) {
    const rb = b.find((r) => r.n === ra.n);
    if (!rb) continue;
    rows.push([
      ra.n,
      ratio(ra.startMs, rb.startMs),
      ratio(ra.p50Ms, rb.p50Ms),
      ratio(ra.p99Ms, rb.p99Ms),
      ra.firstContacts && rb.firstContacts ? ratio(ra.firstContactP99Ms, rb.firstContactP99Ms) : "n/a",
      ratio(ra.cpuMsPerSample, rb.cpuMsPerSample),
      ratio(ra.msgsPerSecPerNode, rb.msgsPerSecPerNode),
      ratio(ra.cpuUsPerBurstDelivery, rb.cpuUsPerBurstDelivery),
      ratio(ra.copiesPerNodePerMsg, rb.copiesPerNodePerMsg),
      ratio(ra.rssPerNodeMiB, rb.rssPerNodeMiB),
      ratio(ra.rssAfterBurstPerNodeMiB, rb.rssAfterBurstPerNodeMiB),
    ]);
  }
  printTable(title, rows);
}

export function printTopology(results) {
  for (const r of results) {
    console.log(`N=${r.n}: seed ${r.seed}, ${r.edges} links, average degree ${fmt(r.avgDegree, 2)}, max ${r.maxDegree}${r.extraEdges ? `, ${r.extraEdges} links added to connect it` : ""}`);
  }
}

/** The node-loss workload's figures, one row per system and N. */
export function printLossTable(title, results) {
  const rows = [["system", "N", "killed", "delivered (all)", "delivered (after loss)", "missed", "dup deliveries", "copies/node/msg", "control/node/msg", "GRAFTs", "p50 after loss (ms)", "p99 after loss (ms)"]];
  for (const r of results) {
    rows.push([
      r.system,
      r.n,
      `${r.killed} after ${r.killedAfter}`,
      `${fmt(r.deliveryPercent, 2)}%`,
      `${fmt(r.deliveryPercentAfterLoss, 2)}%`,
      fmt(r.missedDeliveries),
      fmt(r.duplicateDeliveries),
      fmt(r.copiesPerNodePerMsg, 2),
      fmt(r.controlPerNodePerMsg, 2),
      fmt(r.graftsReceived),
      fmt(r.p50AfterLossMs, 1),
      fmt(r.p99AfterLossMs, 1),
    ]);
  }
  printTable(title, rows);
}
