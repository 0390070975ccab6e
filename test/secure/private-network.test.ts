import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { type AddressInfo, connect as netConnect, createServer as netCreateServer, type Server, type Socket } from "node:net";
import { connect as tlsConnect, createServer as tlsCreateServer, type ConnectionOptions, TLSSocket } from "node:tls";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { NetworkKeyError, NetworkKeyMismatchError } from "../../src/secure/errors.js";
import { ephemeralIdentity } from "../../src/secure/identity.js";
import { parseNetworkKey } from "../../src/secure/network-key.js";
import { gateClient, gateServer, NETWORK_PSK_IDENTITY, privateNetworkOf, serverHelloSelectsPsk, type PrivateNetwork } from "../../src/secure/private-network.js";
import { peerIdOfTlsSocket, tlsOptionsFor } from "../../src/secure/tls.js";

const OPENSSL = ["/usr/bin/openssl", "/usr/local/bin/openssl"].find((path) => existsSync(path));
const TIMEOUT = 5_000;
const KEY = parseNetworkKey("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
const NETWORK = privateNetworkOf(KEY);
const OTHER = privateNetworkOf(randomBytes(32));
/** A TLS 1.3 client offering a PSK, as any TLS stack could (not through gateClient). */
const PSK_CLIENT: ConnectionOptions = { minVersion: "TLSv1.3", maxVersion: "TLSv1.3", ciphers: "TLS_AES_128_GCM_SHA256", checkServerIdentity: () => undefined };

const servers: Server[] = [];
const sockets: { destroy(): unknown }[] = [];
const processes: ChildProcess[] = [];
afterEach(async () => {
  for (const child of processes.splice(0)) child.kill();
  // The outermost first (the last pushed): Node 20 crashes when a socket is destroyed before the TLSSocket that wraps it.
  for (const socket of sockets.splice(0).reverse()) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** A gate server for `network`; `first` settles as the gate of its first connection does. */
async function gatedServer(network: PrivateNetwork, timeoutMs = TIMEOUT): Promise<{ port: number; first: Promise<TLSSocket> }> {
  let onFirst = (_result: Promise<TLSSocket>): void => undefined;
  const first = new Promise<TLSSocket>((resolve) => (onFirst = resolve as (result: Promise<TLSSocket>) => void));
  first.catch(() => undefined);
  const port = await listen(
    netCreateServer((socket) => {
      sockets.push(socket);
      const result = gateServer(socket, network, timeoutMs);
      result.then((outer) => sockets.push(outer), () => undefined);
      onFirst(result);
    }),
  );
  return { port, first };
}

/** What a TCP relay between a client and a server saw: the bytes each way, and when the client's side closed. */
interface Wire {
  readonly toClient: Buffer[];
  readonly toServer: Buffer[];
  readonly closed: Promise<void>;
}

/**
 * A TCP relay to `port` that records the bytes of its (single) connection: an observer independent of both
 * ends. With `trickle`, it forwards the client's bytes in 5-byte TCP writes, one per event-loop turn.
 */
async function relayTo(port: number, trickle = false): Promise<{ port: number; wire: Wire }> {
  const toClient: Buffer[] = [];
  const toServer: Buffer[] = [];
  let onClosed = (): void => undefined;
  const closed = new Promise<void>((resolve) => (onClosed = resolve));
  const relayPort = await listen(
    netCreateServer((client) => {
      const server = netConnect(port, "127.0.0.1");
      sockets.push(client, server);
      server.setNoDelay(true);
      let queue = Promise.resolve();
      const forward = async (chunk: Buffer): Promise<void> => {
        for (let at = 0; at < chunk.length; at += 5) {
          server.write(chunk.subarray(at, at + 5));
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      client.on("data", (chunk: Buffer) => {
        toServer.push(chunk);
        if (trickle) queue = queue.then(() => forward(chunk));
        else server.write(chunk);
      });
      server.on("data", (chunk: Buffer) => (toClient.push(chunk), client.write(chunk)));
      client.on("close", () => (server.destroy(), onClosed()));
      server.on("close", () => client.destroy());
      client.on("error", () => undefined);
      server.on("error", () => undefined);
    }),
  );
  return { port: relayPort, wire: { toClient, toServer, closed } };
}

function bytes(chunks: Buffer[]): number {
  return chunks.reduce((sum, chunk) => sum + chunk.length, 0);
}

async function connected(port: number): Promise<Socket> {
  const socket = netConnect(port, "127.0.0.1");
  sockets.push(socket);
  socket.on("error", () => undefined);
  await new Promise((resolve) => socket.once("connect", resolve));
  return socket;
}

async function mismatch(result: Promise<unknown> | undefined): Promise<NetworkKeyMismatchError> {
  const error = await result?.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(NetworkKeyMismatchError);
  expect((error as NetworkKeyMismatchError).code).toBe("ERR_NETWORK_KEY_MISMATCH");
  expect((error as Error).message).toContain("check that both use the same --network-key file");
  return error as NetworkKeyMismatchError;
}

/** Writes `text` on `from` and resolves with what `to` reads, up to its length. */
async function carries(from: { write(text: string): unknown }, to: TLSSocket, text: string): Promise<string> {
  let got = "";
  const read = new Promise<string>((resolve) => {
    const onData = (chunk: Buffer): void => {
      got += chunk.toString();
      if (got.length >= text.length) (to.off("data", onData), resolve(got));
    };
    to.on("data", onData);
  });
  from.write(text);
  return read;
}

/** Runs `client` against a gate server of NETWORK through a relay: the server's outcome and what the relay saw. */
async function attempt(client: (port: number) => unknown, timeoutMs = TIMEOUT): Promise<{ server: Promise<TLSSocket>; wire: Wire }> {
  const gate = await gatedServer(NETWORK, timeoutMs);
  const { port, wire } = await relayTo(gate.port);
  const socket = client(port);
  if (socket instanceof Object && "destroy" in socket) sockets.push(socket as Socket);
  await wire.closed;
  return { server: gate.first, wire };
}

/** A plain TLS client with these options; its errors are expected and ignored. */
function tlsClient(options: ConnectionOptions): (port: number) => TLSSocket {
  return (port) => tlsConnect({ ...options, host: "127.0.0.1", port }).on("error", () => undefined);
}

describe("privateNetworkOf", () => {
  it("derives the PSK with HKDF-SHA256 (RFC 5869, empty salt, info \"peerkit/2 network psk\"), computed here from HMAC alone", () => {
    const prk = createHmac("sha256", Buffer.alloc(32)).update(KEY).digest();
    const okm = createHmac("sha256", prk).update(Buffer.concat([Buffer.from("peerkit/2 network psk"), Buffer.of(1)])).digest();
    expect(NETWORK.psk.equals(okm)).toBe(true);
    expect(NETWORK.psk.equals(KEY)).toBe(false);
    expect(OTHER.psk.equals(NETWORK.psk)).toBe(false);
    expect(Object.isFrozen(NETWORK)).toBe(true);
  });

  it("refuses a key that is not 32 bytes", () => {
    expect(() => privateNetworkOf(randomBytes(16))).toThrow(NetworkKeyError);
  });
});

describe("gate: nodes of one network", () => {
  it("runs a TLS 1.3 PSK handshake with an X25519 exchange (psk_dhe_ke), no certificate, data both ways", async () => {
    const gate = await gatedServer(NETWORK);
    const client = await gateClient(await connected(gate.port), NETWORK, TIMEOUT);
    sockets.push(client);
    const server = await gate.first;
    expect(client.getProtocol()).toBe("TLSv1.3");
    expect(client.getCipher().standardName).toBe("TLS_AES_128_GCM_SHA256");
    expect(client.getEphemeralKeyInfo()).toMatchObject({ type: "ECDH", name: "X25519" });
    expect(client.getPeerX509Certificate()).toBeUndefined();
    expect(server.getProtocol()).toBe("TLSv1.3");
    expect(await carries(client, server, "ping\n")).toBe("ping\n");
    expect(await carries(server, client, "pong\n")).toBe("pong\n");
  });

  it("carries peerkit's certificate TLS inside: both sides prove their peer ids; data both ways; no key byte on the wire", async () => {
    const [alice, bob] = [ephemeralIdentity(), ephemeralIdentity()];
    const gate = await gatedServer(NETWORK);
    const { port, wire } = await relayTo(gate.port);
    const outerClient = await gateClient(await connected(port), NETWORK, TIMEOUT);
    const outerServer = await gate.first;
    const innerServer = new TLSSocket(outerServer, { ...tlsOptionsFor(bob), isServer: true });
    const innerClient = tlsConnect({ ...tlsOptionsFor(alice), socket: outerClient });
    sockets.push(innerServer, innerClient);
    const [clientSees, serverSees] = await Promise.all([
      new Promise<string>((resolve, reject) => innerClient.once("secureConnect", () => resolve(peerIdOfTlsSocket(innerClient))).once("error", reject)),
      new Promise<string>((resolve, reject) => innerServer.once("secure", () => resolve(peerIdOfTlsSocket(innerServer))).once("error", reject)),
    ]);
    expect(clientSees).toBe(bob.peerId);
    expect(serverSees).toBe(alice.peerId);
    const line = `${"x".repeat(63)}\n`.repeat(2000);
    expect(await carries(innerClient, innerServer, line)).toBe(line);
    expect(await carries(innerServer, innerClient, "pong\n")).toBe("pong\n");

    const seen = Buffer.concat([...wire.toClient, ...wire.toServer]);
    for (const secret of [KEY, NETWORK.psk, Buffer.from(KEY.toString("hex")), Buffer.from(NETWORK.psk.toString("hex"))]) expect(seen.includes(secret)).toBe(false);
    // The outer session hides the inner handshake: neither peer id nor raw key appears in clear either.
    for (const id of [alice.peerId, bob.peerId]) expect(seen.includes(Buffer.from(id))).toBe(false);
    expect(seen.includes(Buffer.from("x".repeat(63)))).toBe(false);
  });

  it("admits a client whose ClientHello arrives in 5-byte pieces", async () => {
    const gate = await gatedServer(NETWORK);
    const { port } = await relayTo(gate.port, true);
    const client = await gateClient(await connected(port), NETWORK, TIMEOUT);
    sockets.push(client);
    const server = await gate.first;
    expect(await carries(server, client, "pong\n")).toBe("pong\n");
  });

  it.skipIf(OPENSSL === undefined)("interoperates with OpenSSL's own client and server (`s_client -psk`, `s_server -psk`)", async () => {
    const suite = ["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256", "-psk", NETWORK.psk.toString("hex"), "-psk_identity", NETWORK_PSK_IDENTITY];
    const gate = await gatedServer(NETWORK);
    const client = spawn(OPENSSL ?? "openssl", ["s_client", "-connect", `127.0.0.1:${gate.port}`, "-quiet", ...suite], { stdio: ["pipe", "pipe", "ignore"] });
    processes.push(client);
    const outer = await gate.first;
    const printed = new Promise<string>((resolve) => client.stdout?.once("data", (chunk: Buffer) => resolve(chunk.toString())));
    outer.write("hello openssl\n");
    expect(await printed).toContain("hello openssl");

    const server = spawn(OPENSSL ?? "openssl", ["s_server", "-accept", "127.0.0.1:0", "-nocert", "-naccept", "1", ...suite], { stdio: ["pipe", "pipe", "ignore"] });
    processes.push(server);
    const port = await new Promise<number>((resolve) => {
      let out = "";
      const onData = (chunk: Buffer): void => {
        out += chunk.toString();
        const match = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(out);
        if (match) (server.stdout?.off("data", onData), resolve(Number(match[1])));
      };
      server.stdout?.on("data", onData);
    });
    const gated = await gateClient(await connected(port), NETWORK, TIMEOUT);
    sockets.push(gated);
    expect(gated.getEphemeralKeyInfo()).toMatchObject({ name: "X25519" });
  });
});

describe("gate: a connection that does not prove the key gets no byte and is closed", () => {
  it("a gate client of another network (wrong PSK binder): both sides refuse", async () => {
    const gate = await gatedServer(NETWORK);
    const { port, wire } = await relayTo(gate.port);
    const client = gateClient(await connected(port), OTHER, TIMEOUT);
    await mismatch(client);
    await wire.closed;
    await mismatch(gate.first);
    expect(bytes(wire.toClient)).toBe(0);
    expect(bytes(wire.toServer)).toBeGreaterThan(0);
  });

  const strangers: [string, (port: number) => unknown, string?][] = [
    ["a TLS 1.3 client with the right PSK under another identity", tlsClient({ ...PSK_CLIENT, pskCallback: () => ({ psk: NETWORK.psk, identity: "someone" }) })],
    ["a TLS 1.3 client offering the raw network key as PSK", tlsClient({ ...PSK_CLIENT, pskCallback: () => ({ psk: KEY, identity: NETWORK_PSK_IDENTITY }) })],
    ["a peerkit certificate TLS client (no PSK)", tlsClient(tlsOptionsFor(ephemeralIdentity()))],
    ["a TLS 1.2 client", tlsClient({ maxVersion: "TLSv1.2", rejectUnauthorized: false })],
    ["a wrong-key client whose key share asks for a HelloRetryRequest", tlsClient({ ...PSK_CLIENT, ecdhCurve: "P-256:X25519", pskCallback: () => ({ psk: OTHER.psk, identity: NETWORK_PSK_IDENTITY }) })],
    // OpenSSL would answer this one (a HelloRetryRequest after the binder verified); the gate refuses any HRR.
    ["even a right-key client whose key share asks for a HelloRetryRequest", tlsClient({ ...PSK_CLIENT, ecdhCurve: "P-256:X25519", pskCallback: () => ({ psk: NETWORK.psk, identity: NETWORK_PSK_IDENTITY }) })],
    ["an HTTP client", (port) => netConnect(port, "127.0.0.1", function (this: Socket) { this.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"); }).on("error", () => undefined)],
    [
      "a ClientHello announced as 100 000 bytes (over 16 KiB before any answer)",
      (port) =>
        netConnect(port, "127.0.0.1", function (this: Socket) {
          for (let i = 0; i < 3; i++) this.write(Buffer.concat([Buffer.from("1603014000", "hex"), i === 0 ? Buffer.from("010186a00303", "hex") : Buffer.alloc(0), Buffer.alloc(i === 0 ? 16378 : 16384)]));
        }).on("error", () => undefined),
      "more than 16384 bytes",
    ],
    ["random bytes", (port) => netConnect(port, "127.0.0.1", function (this: Socket) { this.write(randomBytes(600)); }).on("error", () => undefined)],
  ];
  for (const [name, client, reason] of strangers) {
    it(name, async () => {
      const { server, wire } = await attempt(client);
      expect((await mismatch(server)).message).toContain(reason ?? "");
      expect(bytes(wire.toClient)).toBe(0);
    });
  }

  it.skipIf(OPENSSL === undefined)("OpenSSL's s_client with a wrong PSK, and without one", async () => {
    for (const psk of [["-psk", OTHER.psk.toString("hex"), "-psk_identity", NETWORK_PSK_IDENTITY], []]) {
      const { server, wire } = await attempt((port) => {
        const child = spawn(OPENSSL ?? "openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-tls1_3", "-quiet", ...psk], { stdio: ["pipe", "ignore", "ignore"] });
        processes.push(child);
      });
      await mismatch(server);
      expect(bytes(wire.toClient)).toBe(0);
    }
  });

  it("a client that stalls (nothing, or half a ClientHello) is closed after the timeout, still without a byte", async () => {
    for (const opening of [Buffer.alloc(0), Buffer.from("160301020001", "hex")]) {
      const { server, wire } = await attempt((port) => netConnect(port, "127.0.0.1", function (this: Socket) { this.write(opening); }).on("error", () => undefined), 100);
      expect((await mismatch(server)).message).toContain("within 100 ms");
      expect(bytes(wire.toClient)).toBe(0);
    }
  });

  it("the client refuses a server that does not prove the key: silent, or authenticated by a certificate", async () => {
    const silent = await listen(netCreateServer((socket) => sockets.push(socket)));
    expect((await mismatch(gateClient(await connected(silent), NETWORK, 100))).message).toContain("within 100 ms");
    const certificate = await listen(tlsCreateServer({ ...tlsOptionsFor(ephemeralIdentity()), requestCert: false, ciphers: "TLS_AES_128_GCM_SHA256" }).on("tlsClientError", () => undefined));
    await mismatch(gateClient(await connected(certificate), NETWORK, TIMEOUT));
  });
});

describe("serverHelloSelectsPsk", () => {
  it("waits for a whole first record, refuses anything but a ServerHello with pre_shared_key", () => {
    const hello = (extensions: Buffer): Buffer => {
      const body = Buffer.concat([Buffer.from("0303", "hex"), randomBytes(32), Buffer.of(0), Buffer.from("130100", "hex"), Buffer.from([extensions.length >> 8, extensions.length & 255]), extensions]);
      const handshake = Buffer.concat([Buffer.of(2, 0, body.length >> 8, body.length & 255), body]);
      return Buffer.concat([Buffer.of(22, 3, 3, handshake.length >> 8, handshake.length & 255), handshake]);
    };
    const withPsk = hello(Buffer.from("002b00020304" + "0029000200000033000400000000", "hex"));
    expect(serverHelloSelectsPsk(withPsk)).toBe(true);
    expect(serverHelloSelectsPsk(Buffer.concat([withPsk, randomBytes(100)]))).toBe(true);
    expect(serverHelloSelectsPsk(withPsk.subarray(0, withPsk.length - 1))).toBeUndefined();
    expect(serverHelloSelectsPsk(Buffer.alloc(0))).toBeUndefined();
    expect(serverHelloSelectsPsk(hello(Buffer.from("002b00020304", "hex")))).toBe(false);
    expect(serverHelloSelectsPsk(Buffer.from("15030300020228", "hex"))).toBe(false);
    expect(serverHelloSelectsPsk(Buffer.of(0x15))).toBe(false);
  });

  it("never throws, whatever the bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (data, asHandshake) => {
        const input = Buffer.from(data);
        if (asHandshake && input.length > 5) (input[0] = 22, input[5] = 2, input.writeUInt16BE(Math.min(input.length - 5, 0xffff), 3));
        const verdict = serverHelloSelectsPsk(input);
        expect(verdict === undefined || typeof verdict === "boolean").toBe(true);
      }),
    );
  });
});
