// The child processes of the signature benchmark. Usage (forked by signatures.mjs):
//   signature-worker.mjs verify <file> <warm> <rounds>   the raw crypto.verify baseline
//   signature-worker.mjs receive <warm> <count>          a secure node that counts `broadcast` events
// verify: reads the pre-signed messages (one { signed, sig, originator } per line), verifies the first
// `warm` of them, then all the others `rounds` times, and sends { result: { verifiesPerSec, cpuUsPerVerify } }
// (one entry per pass).
// receive: sends { ready: { port } }, { probe: { forged } } when the probe's end marker arrives (forged: the
// forgeries sent before it that were delivered), then { warm } once `warm` signed broadcasts were delivered, and
// { done: { cpuUsPerMsg, forged, unsigned } } after `warm + count`; waits to be told to exit.
import "reflect-metadata";
import { verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { peerkit, secure } from "./lib/peerkit.mjs";
import { benchLimits } from "./lib/common.mjs";

const [mode, ...args] = process.argv.slice(2);

if (mode === "verify") {
  const [file, warmArg, roundsArg] = args;
  const lines = readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line));
  // Everything but the verification is done beforehand: the bytes, the signature, one key object.
  const key = secure.publicKeyOfPeerId(lines[0].originator);
  const items = lines.map(({ signed, sig }) => ({ data: Buffer.from(signed, "utf8"), sig: Buffer.from(sig, "base64url") }));
  const warm = Number(warmArg);
  const run = (from, to) => {
    for (let i = from; i < to; i++) if (!verify(null, items[i].data, key, items[i].sig)) throw new Error(`message ${i} does not verify`);
  };
  run(0, warm);
  const verifiesPerSec = [];
  const cpuUsPerVerify = [];
  for (let r = 0; r < Number(roundsArg); r++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    run(warm, items.length);
    const cpu = process.cpuUsage(cpu0);
    verifiesPerSec.push((items.length - warm) / ((performance.now() - t0) / 1000));
    cpuUsPerVerify.push((cpu.user + cpu.system) / (items.length - warm));
  }
  process.send({ result: { verifiesPerSec, cpuUsPerVerify } }, () => process.exit(0));
} else if (mode === "receive") {
  const warm = Number(args[0]);
  const total = warm + Number(args[1]);
  const { createNode, silentLogger, DEFAULT_LIMITS } = peerkit;
  // The seen-cache holds every id of the run (the default 10,000 would evict ids of this one source).
  const { limits } = benchLimits(DEFAULT_LIMITS, { seenCacheSize: 131_072 });
  const node = await createNode({ host: "127.0.0.1", port: 0, plugins: ["ping", "broadcast"], limits, security: "tls" }, { logger: silentLogger });
  let received = 0;
  let forged = 0;
  let unsigned = 0;
  let cpuAtWarm;
  node.on("broadcast", (event) => {
    if (event.msg?.forged) return void forged++;
    if (event.msg?.probeEnd) return void process.send({ probe: { forged } });
    if (event.envelope?.signature === undefined) unsigned++;
    received++;
    if (received === warm) {
      cpuAtWarm = process.cpuUsage();
      process.send({ warm: received });
    } else if (received === total) {
      const cpu = process.cpuUsage(cpuAtWarm);
      process.send({ done: { cpuUsPerMsg: (cpu.user + cpu.system) / (total - warm), forged, unsigned } });
    }
  });
  await node.start();
  process.send({ ready: { port: node.address.port } });
  process.on("message", async (m) => {
    if (m === "exit") {
      await node.shutdown();
      process.exit(0);
    }
  });
} else {
  console.error("usage: signature-worker.mjs verify <file> <warm> <rounds> | receive <warm> <count>");
  process.exit(2);
}
