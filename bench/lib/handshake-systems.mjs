// The systems of the handshake benchmark. Each `setup()` resolves with `{ connectOnce(), close() }`;
// `connectOnce()` opens one connection from a client to the server (both in this process) and resolves
// once both sides completed their handshake and the connection is closed again: the server closes each
// connection as soon as its side is ready, and the client waits for that close, so a connection counts
// only when both ends finished.
import { createServer as netCreateServer, connect as netConnect } from "node:net";
import { connect as tlsConnect, createServer as tlsCreateServer } from "node:tls";
import { peerkit, secure, tlsChannel } from "./peerkit.mjs";
import { listenBare, networkOf, tlsSide } from "./bare-ends.mjs";
import { benchLimits } from "./common.mjs";

const { TcpTransport, DEFAULT_LIMITS, createNode, silentLogger } = peerkit;
const TIMEOUT_MS = 10_000;

/** TCP connect only: the floor under every handshake. */
async function netSystem() {
  const server = netCreateServer((socket) => {
    socket.on("error", () => {});
    socket.destroy();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    connectOnce: () =>
      new Promise((resolve, reject) => {
        const socket = netConnect(port, "127.0.0.1");
        socket.once("error", reject);
        socket.once("close", resolve);
      }),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Bare node:tls with peerkit's TLS options (`tls`), optionally inside the network-key gate (`tls-gated`). */
async function bareTlsSystem(kind, networkKeyText) {
  let served = 0;
  const server =
    kind === "tls"
      ? await new Promise((resolve) => {
          const s = tlsCreateServer(tlsSide(), (socket) => {
            served++;
            socket.on("error", () => {});
            socket.destroy();
          });
          s.on("tlsClientError", () => {});
          s.listen(0, "127.0.0.1", () => resolve({ port: s.address().port, close: () => new Promise((r) => s.close(r)) }));
        })
      : await listenBare(
          kind,
          (socket) => {
            served++;
            socket.destroy();
          },
          { networkKeyText },
        );
  const side = tlsSide();
  const network = kind === "tls-gated" ? networkOf(networkKeyText) : undefined;
  return {
    async connectOnce() {
      const raw = netConnect(server.port, "127.0.0.1");
      raw.on("error", () => {});
      let socket;
      if (network) {
        await new Promise((resolve, reject) => raw.once("connect", resolve).once("error", reject));
        const outer = await secure.gateClient(raw, network, TIMEOUT_MS);
        socket = tlsConnect({ ...side, socket: outer });
      } else socket = tlsConnect({ ...side, socket: raw });
      socket.on("error", () => {});
      await new Promise((resolve, reject) => {
        let secured = false;
        socket.once("secureConnect", () => (secured = true));
        socket.once("close", () => (secured ? resolve() : reject(new Error("closed before the handshake completed"))));
      });
    },
    served: () => served,
    close: () => server.close(),
  };
}

/** The secure options a node's composition root gives its TcpTransport (src/node/node-security.ts). */
function secureOptions(gate) {
  const limits = DEFAULT_LIMITS;
  return {
    channel: tlsChannel(secure.ephemeralIdentity(), gate ? { gate } : {}),
    handshakeTimeoutMs: limits.handshakeMs,
    maxHandshakes: 1024,
    maxHandshakesPerSource: 1024,
    // Every benchmark connection comes from 127.0.0.1: the per-source handshake rate would cap the run.
    handshakesPerSecondPerSource: 1e9,
    handshakeBurstPerSource: 1e9,
    plaintextOneShots: !gate,
  };
}

/** peerkit's TcpTransport with the secure option (TLS 1.3 channel), optionally behind the network-key gate. */
async function transportSystem(networkKeyText) {
  // The channel checks each proven key with libsodium (small-order keys are refused), as a node does once started.
  await secure.sodiumReady();
  let gate;
  if (networkKeyText) {
    const network = networkOf(networkKeyText);
    gate = (socket, server) => (server ? secure.gateServer(socket, network, TIMEOUT_MS) : secure.gateClient(socket, network, TIMEOUT_MS));
  }
  const { limits } = benchLimits(DEFAULT_LIMITS, {});
  const full = { ...DEFAULT_LIMITS, ...limits };
  let served = 0;
  const server = new TcpTransport({ limits: full, logger: silentLogger, secure: secureOptions(gate) });
  server.setHandlers({
    connection(connection) {
      served++;
      connection.destroy("benchmark: next");
    },
    frame() {},
    disconnect() {},
  });
  const closed = new Map();
  const client = new TcpTransport({ limits: full, logger: silentLogger, secure: secureOptions(gate) });
  client.setHandlers({
    connection() {},
    frame() {},
    disconnect(connection) {
      closed.get(connection)?.();
      closed.set(connection, undefined);
    },
  });
  const { port } = await server.listen("127.0.0.1", 0);
  return {
    async connectOnce() {
      const connection = await client.dial("127.0.0.1", port);
      if (closed.has(connection)) return void closed.delete(connection); // already closed by the server
      await new Promise((resolve) => closed.set(connection, resolve));
      closed.delete(connection);
    },
    served: () => served,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/**
 * Whole nodes: `clients` secure client nodes join one server node (TLS, then PING/PONG); the server
 * closes each connection once the peer is connected; a client joins again once it saw the close.
 */
async function joinSystem({ clients, networkKeyFile }) {
  const { limits } = benchLimits(DEFAULT_LIMITS, {
    maxPeers: 64,
    maxInboundPeers: 64,
    maxInboundPeersPerAddress: 64,
    maxPendingConnections: 256,
    maxPendingPerAddress: 256,
  });
  const config = { host: "127.0.0.1", port: 0, plugins: ["ping"], limits, security: "tls", ...(networkKeyFile ? { networkKey: networkKeyFile } : {}) };
  const server = await createNode(config, { logger: silentLogger });
  let served = 0;
  server.on("peer:connect", (peer) => {
    served++;
    // Not at once: the server's PONG is sent after this event.
    setImmediate(() => server.connections.connectionOf(peer.id)?.close("benchmark: next"));
  });
  await server.start();
  const idle = [];
  for (let i = 0; i < clients; i++) {
    const node = await createNode(config, { logger: silentLogger });
    await node.start();
    idle.push(node);
  }
  const all = [...idle];
  return {
    async connectOnce() {
      const node = idle.pop();
      const gone = new Promise((resolve) => node.once("peer:disconnect", resolve));
      await node.join("127.0.0.1", server.address.port);
      await gone;
      idle.push(node);
    },
    served: () => served,
    close: () => Promise.all([server, ...all].map((n) => n.shutdown())),
  };
}

/** The systems by name: label and setup. */
export function handshakeSystems({ networkKeyText, networkKeyFile, concurrency }) {
  return {
    net: { label: "TCP connect only", setup: () => netSystem() },
    tls: { label: "tls", setup: () => bareTlsSystem("tls") },
    transport: { label: "peerkit TcpTransport (TLS)", setup: () => transportSystem() },
    join: { label: "peerkit node join (TLS + PING/PONG)", setup: () => joinSystem({ clients: concurrency }) },
    "tls-gated": { label: "tls+gate", setup: () => bareTlsSystem("tls-gated", networkKeyText) },
    "transport-gated": { label: "peerkit TcpTransport (gate + TLS)", setup: () => transportSystem(networkKeyText) },
    "join-netkey": { label: "peerkit node join --network-key", setup: () => joinSystem({ clients: concurrency, networkKeyFile }) },
  };
}
