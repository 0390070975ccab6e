// The receiving process of the link benchmark. Usage (forked by link.mjs):
//   link-receiver.mjs <kind> <warm> <count> [options JSON]
// kind: net | tls | tls-gated (bare, lib/bare-ends.mjs) or peerkit (options: { security, networkKeyFile }).
// Listens on 127.0.0.1 port 0, sends { ready: { port, id } } over IPC, then { warm } after `warm` messages
// delivered at the application, and { done: { cpuUsPerMsg } } after `warm + count`; waits to be told to exit.
import "reflect-metadata";
import { BARE_KINDS, listenBare } from "./lib/bare-ends.mjs";

const [kind, warmArg, countArg, optionsArg] = process.argv.slice(2);
const warm = Number(warmArg);
const total = warm + Number(countArg);
const options = optionsArg ? JSON.parse(optionsArg) : {};
let received = 0;
let cpuAtWarm;
// CPU time (user + system) this process spent per timed message, from the end of the warm-up to the last.
function delivered() {
  received++;
  if (received === warm) {
    cpuAtWarm = process.cpuUsage();
    process.send({ warm: received });
  } else if (received === total) {
    const cpu = process.cpuUsage(cpuAtWarm);
    process.send({ done: { cpuUsPerMsg: (cpu.user + cpu.system) / (total - warm) } });
  }
}

if (BARE_KINDS.includes(kind)) {
  // The same NDJSON framing as peerkit (split on \n, decode UTF-8) and JSON.parse per message.
  const server = await listenBare(
    kind,
    (socket) => {
      let tail;
      socket.on("data", (chunk) => {
        if (tail !== undefined) {
          chunk = Buffer.concat([tail, chunk]);
          tail = undefined;
        }
        let start = 0;
        let nl;
        while ((nl = chunk.indexOf(0x0a, start)) >= 0) {
          const envelope = JSON.parse(chunk.toString("utf8", start, nl));
          start = nl + 1;
          if (envelope.msg_type === "BENCH") delivered();
        }
        if (start < chunk.length) tail = chunk.subarray(start);
      });
    },
    options,
  );
  process.send({ ready: { port: server.port } });
  process.on("message", async (m) => {
    if (m === "exit") {
      await Promise.race([server.close(), new Promise((r) => setTimeout(r, 500))]);
      process.exit(0);
    }
  });
} else if (kind === "peerkit") {
  const { createNode, silentLogger, DEFAULT_LIMITS } = (await import("./lib/peerkit.mjs")).peerkit;
  const { benchLimits } = await import("./lib/common.mjs");
  const { limits } = benchLimits(DEFAULT_LIMITS, {});
  const config = { host: "127.0.0.1", port: 0, plugins: ["ping"], limits, security: options.security ?? "tls" };
  if (options.networkKeyFile) config.networkKey = options.networkKeyFile;
  let node;
  try {
    node = await createNode(config, { logger: silentLogger });
  } catch (error) {
    process.send({ refused: `${error.code ?? ""} ${error.message}`.trim() });
    process.exit(0);
  }
  // Delivery at the application: an ad-hoc handler on the node's dispatcher (public API).
  node.dispatcher.on("BENCH", delivered);
  await node.start();
  process.send({ ready: { port: node.address.port, id: node.id } });
  process.on("message", async (m) => {
    if (m === "exit") {
      await node.shutdown();
      process.exit(0);
    }
  });
} else {
  console.error("usage: link-receiver.mjs <net|tls|tls-gated|peerkit> <warm> <count> [options JSON]");
  process.exit(2);
}
