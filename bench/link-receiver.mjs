// The receiving process of the link benchmark. Usage (forked by link.mjs): link-receiver.mjs <net|peerkit> <count>
// Listens on 127.0.0.1 port 0, sends { ready: { port, id } } over IPC, counts `count` messages delivered
// at the application, then sends { done: { count } } and waits to be told to exit.
import "reflect-metadata";
import { createServer } from "node:net";

const [mode, countArg] = process.argv.slice(2);
const count = Number(countArg);
let received = 0;
let cpuAtFirst;
const first = () => {
  cpuAtFirst = process.cpuUsage();
};
// CPU time (user + system) this process spent per message, from the first delivery to the last.
const finish = () => {
  const cpu = process.cpuUsage(cpuAtFirst);
  process.send({ done: { count: received, cpuUsPerMsg: (cpu.user + cpu.system) / (received - 1) } });
};

if (mode === "net") {
  // Bare node:net: the same NDJSON framing (split on \n, decode UTF-8) and JSON.parse per message.
  const server = createServer((socket) => {
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
        if (envelope.msg_type !== "BENCH") continue;
        if (++received === 1) first();
        if (received === count) finish();
      }
      if (start < chunk.length) tail = chunk.subarray(start);
    });
    socket.on("error", () => {});
  });
  server.listen(0, "127.0.0.1", () => process.send({ ready: { port: server.address().port } }));
  process.on("message", (m) => {
    if (m === "exit") server.close(() => process.exit(0)), server.unref();
  });
} else {
  const { createNode, silentLogger, DEFAULT_LIMITS } = (await import("./lib/peerkit.mjs")).peerkit;
  const { benchLimits } = await import("./lib/common.mjs");
  const { limits } = benchLimits(DEFAULT_LIMITS, {});
  const node = await createNode({ host: "127.0.0.1", port: 0, plugins: ["ping"], limits }, { logger: silentLogger });
  // Delivery at the application: an ad-hoc handler on the node's dispatcher (public API).
  node.dispatcher.on("BENCH", () => {
    if (++received === 1) first();
    if (received === count) finish();
  });
  // Credit messages for senders that cannot see the write queue (see link.mjs).
  let creditTo;
  node.dispatcher.on("BENCH_HELLO", (envelope) => {
    creditTo = envelope.originator;
  });
  node.dispatcher.on("BENCH", () => {
    if (creditTo !== undefined && received % 512 === 0) {
      node.connections.send(creditTo, { msg_type: "BENCH_CREDIT", msg: received, originator: node.id, time: Date.now() });
    }
  });
  await node.start();
  process.send({ ready: { port: node.address.port, id: node.id } });
  process.on("message", async (m) => {
    if (m === "exit") {
      await node.shutdown();
      process.exit(0);
    }
  });
}
