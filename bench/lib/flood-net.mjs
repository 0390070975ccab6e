// A minimal flooding network written directly on node:net: the floor a framework pays its overhead
// against. Persistent connections, NDJSON with the same envelope as peerkit, JSON.parse per frame, a
// Set of seen ids, and each new message forwarded (its received line, unchanged) to every link but the
// one it came from. No validation, no handshake, no limits.
import { randomBytes, randomUUID } from "node:crypto";
import { connect, createServer } from "node:net";

const NEWLINE = 0x0a;

class FloodNode {
  constructor(index, hooks) {
    this.index = index;
    this.hooks = hooks;
    this.id = randomBytes(8).toString("hex");
    this.seen = new Set();
    this.links = new Set();
    this.server = undefined;
    this.port = 0;
  }

  listen() {
    return new Promise((resolve, reject) => {
      this.server = createServer((socket) => this.adopt(socket));
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => {
        this.port = this.server.address().port;
        resolve();
      });
    });
  }

  dial(port) {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        this.adopt(socket);
        resolve();
      });
    });
  }

  adopt(socket) {
    socket.setNoDelay(true);
    const link = { socket, tail: undefined };
    this.links.add(link);
    socket.on("data", (chunk) => this.onData(link, chunk));
    socket.on("error", () => {});
    socket.on("close", () => this.links.delete(link));
  }

  onData(link, chunk) {
    if (link.tail !== undefined) {
      chunk = Buffer.concat([link.tail, chunk]);
      link.tail = undefined;
    }
    let start = 0;
    let nl;
    while ((nl = chunk.indexOf(NEWLINE, start)) >= 0) {
      this.onLine(link, chunk.toString("utf8", start, nl));
      start = nl + 1;
    }
    if (start < chunk.length) link.tail = chunk.subarray(start);
  }

  onLine(from, line) {
    const envelope = JSON.parse(line);
    if (envelope.msg_type !== "BROADCAST") return;
    this.hooks.frame(this.index);
    if (this.seen.has(envelope.id)) return;
    this.seen.add(envelope.id);
    this.hooks.deliver(this.index, envelope.msg);
    const out = line + "\n";
    for (const link of this.links) if (link !== from) link.socket.write(out);
  }

  broadcast(msg) {
    const id = randomUUID();
    this.seen.add(id);
    const out = JSON.stringify({ msg_type: "BROADCAST", msg, originator: this.id, time: Date.now(), id, ttl: 16 }) + "\n";
    for (const link of this.links) link.socket.write(out);
  }

  close() {
    const closed = [...this.links].map((link) => new Promise((resolve) => (link.socket.once("close", resolve), link.socket.destroy())));
    closed.push(new Promise((resolve) => this.server.close(() => resolve())));
    return Promise.all(closed);
  }
}

export function floodAdapter() {
  const nodes = [];
  const killed = new Set();
  const hooks = { deliver: () => {}, frame: () => {} };
  return {
    notes: ["plain flood on node:net: Set of seen ids (unbounded), forwards the received line unchanged"],
    async start(n) {
      for (let i = 0; i < n; i++) {
        const node = new FloodNode(i, hooks);
        await node.listen();
        nodes.push(node);
      }
    },
    async connect(edges) {
      await Promise.all(edges.map(([a, b]) => nodes[a].dial(nodes[b].port)));
    },
    degree(i) {
      return nodes[i].links.size;
    },
    broadcast(i, msg) {
      nodes[i].broadcast(msg);
    },
    onDeliver(cb) {
      hooks.deliver = cb;
    },
    onFrame(cb) {
      hooks.frame = cb;
    },
    /** Closes node i at once: its links and its listener. */
    kill(i) {
      killed.add(i);
      return nodes[i].close();
    },
    async shutdown() {
      await Promise.all(nodes.filter((_, i) => !killed.has(i)).map((node) => node.close()));
    },
  };
}
