// The private-network gate's cost on 127.0.0.1: handshakes/s and throughput of peerkit's certificate TLS
// alone ("inner") and inside the network-key PSK TLS ("outer+inner"). Not part of `npm run bench`;
// run `npm run build && node bench/private-network.mjs [--rounds 3]`. Numbers only mean something
// relative to each other, in one run on one machine.
import { connect as netConnect, createServer as netCreateServer } from "node:net";
import { connect as tlsConnect, createSecureContext, TLSSocket } from "node:tls";
import { parseArgs } from "node:util";

const dist = process.env.BENCH_PEERKIT_DIST ?? new URL("../dist", import.meta.url).pathname;
const { ephemeralIdentity, gateClient, gateServer, privateNetworkOf, tlsOptionsFor, networkKeyText, parseNetworkKey } = await import(`${dist}/secure/index.js`);

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" }, handshakes: { type: "string", default: "400" }, mib: { type: "string", default: "256" } } });
const ROUNDS = Number(values.rounds);
const HANDSHAKES = Number(values.handshakes);
const CONCURRENCY = 8;
const TOTAL = Number(values.mib) * 2 ** 20;
const LINE = Buffer.from(`${"x".repeat(63)}\n`);
const BATCH = Buffer.concat(Array.from({ length: 1024 }, () => LINE)); // 64 KiB of 64-byte lines
const TIMEOUT = 10_000;

const network = privateNetworkOf(parseNetworkKey(networkKeyText()));
const [serverIdentity, clientIdentity] = [ephemeralIdentity(), ephemeralIdentity()];
// One secure context per node, as a node would keep it (building one costs about a millisecond).
const serverTls = { ...tlsOptionsFor(serverIdentity), secureContext: createSecureContext(tlsOptionsFor(serverIdentity)) };
const clientTls = { ...tlsOptionsFor(clientIdentity), secureContext: createSecureContext(tlsOptionsFor(clientIdentity)) };

/** Resolves with the secure inner socket of one side. */
function innerSecure(socket, event) {
  return new Promise((resolve, reject) => socket.once(event, () => resolve(socket)).once("error", reject));
}

async function serverSide(raw, gated) {
  raw.on("error", () => undefined);
  const below = gated ? await gateServer(raw, network, TIMEOUT) : raw;
  const inner = new TLSSocket(below, { ...serverTls, isServer: true });
  inner.on("error", () => undefined);
  return innerSecure(inner, "secure");
}

async function clientSide(port, gated) {
  const raw = netConnect(port, "127.0.0.1");
  raw.on("error", () => undefined);
  await new Promise((resolve) => raw.once("connect", resolve));
  const below = gated ? await gateClient(raw, network, TIMEOUT) : raw;
  const inner = tlsConnect({ ...clientTls, socket: below });
  return innerSecure(inner, "secureConnect");
}

/** A server whose accepted connections resolve, in order, the promises `next()` hands out. */
async function server(gated) {
  const waiting = [];
  const ready = [];
  const srv = netCreateServer((raw) => {
    const side = serverSide(raw, gated);
    side.catch(() => undefined);
    const waiter = waiting.shift();
    if (waiter) waiter(side);
    else ready.push(side);
  });
  await new Promise((resolve) => srv.listen(0, "127.0.0.1", resolve));
  return {
    port: srv.address().port,
    next: () => (ready.length > 0 ? ready.shift() : new Promise((resolve) => waiting.push(resolve))),
    close: () => new Promise((resolve) => srv.close(resolve)),
  };
}

async function handshakesPerSecond(gated) {
  const srv = await server(gated);
  let left = HANDSHAKES;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) {
        const [client, accepted] = await Promise.all([clientSide(srv.port, gated), srv.next()]);
        const serverInner = await accepted;
        client.destroy();
        serverInner.destroy();
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await srv.close();
  return HANDSHAKES / seconds;
}

/** MiB/s of 64 KiB batches of 64-byte lines from `from` to `to`. */
function transfer(from, to) {
  return new Promise((resolve) => {
    let received = 0;
    const started = process.hrtime.bigint();
    to.on("data", (chunk) => {
      received += chunk.length;
      if (received >= TOTAL) resolve(TOTAL / 2 ** 20 / (Number(process.hrtime.bigint() - started) / 1e9));
    });
    let sent = 0;
    const pump = () => {
      while (sent < TOTAL) {
        sent += BATCH.length;
        if (!from.write(BATCH)) return void from.once("drain", pump);
      }
    };
    pump();
  });
}

async function throughput(gated) {
  const srv = await server(gated);
  const [client, accepted] = await Promise.all([clientSide(srv.port, gated), srv.next()]);
  const serverInner = await accepted;
  const up = await transfer(client, serverInner);
  const down = await transfer(serverInner, client);
  client.destroy();
  serverInner.destroy();
  await srv.close();
  return { up, down };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`node ${process.version}, OpenSSL ${process.versions.openssl}; ${ROUNDS} rounds, median shown`);
console.log(`handshakes: ${HANDSHAKES} per round, ${CONCURRENCY} at a time, TCP connect + handshake(s) until both sides are secure`);
console.log(`throughput: ${TOTAL / 2 ** 20} MiB of 64-byte lines in 64 KiB writes, client->server then server->client\n`);
// The two setups alternate within each round, so that a change in the machine's load hits both alike.
const results = { false: { hs: [], up: [], down: [] }, true: { hs: [], up: [], down: [] } };
for (let round = 0; round < ROUNDS; round++) {
  for (const gated of [false, true]) {
    const r = results[gated];
    r.hs.push(await handshakesPerSecond(gated));
    const t = await throughput(gated);
    r.up.push(t.up);
    r.down.push(t.down);
  }
}
const lines = (mib) => ((mib * 2 ** 20) / 64 / 1e6).toFixed(2);
for (const gated of [false, true]) {
  const { hs, up, down } = results[gated];
  console.log(
    `${gated ? "outer+inner" : "inner only "}  ${median(hs).toFixed(0).padStart(5)} handshakes/s   ` +
      `up ${median(up).toFixed(0).padStart(4)} MiB/s (${lines(median(up))} M lines/s)   ` +
      `down ${median(down).toFixed(0).padStart(4)} MiB/s (${lines(median(down))} M lines/s)`,
  );
}
