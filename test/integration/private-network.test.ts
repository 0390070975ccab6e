// Private networks on real sockets: only nodes holding the same --network-key connect, and a socket
// that does not prove the key receives no byte from the node (no id, no certificate).
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { connect as connectTls } from "node:tls";
import { connect, type Socket } from "node:net";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TcpNodes } from "./tcp-nodes.js";
import { networkKeyText } from "../../src/secure/network-key.js";

const nodes = new TcpNodes();
afterEach(() => nodes.shutdown());

let keyA: string;
let keyB: string;
beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "peerkit-netkey-"));
  keyA = join(dir, "a.key");
  keyB = join(dir, "b.key");
  await writeFile(keyA, networkKeyText() + "\n");
  await writeFile(keyB, networkKeyText());
});

/** Opens a raw socket, runs `speak` on it, and counts the bytes the node sends until it closes the socket. */
async function bytesFromNode(port: number, speak: (socket: Socket) => void): Promise<number> {
  const socket = connect(port, "127.0.0.1");
  let received = 0;
  socket.on("data", (chunk: Buffer) => (received += chunk.length));
  socket.on("error", () => {});
  socket.once("connect", () => speak(socket));
  await new Promise((resolve) => socket.once("close", resolve));
  return received;
}

describe("private networks (--network-key)", () => {
  it("nodes holding the same key join and chat", async () => {
    const a = await nodes.start({ networkKey: keyA });
    const b = await nodes.start({ networkKey: keyA });
    expect((await b.join("127.0.0.1", a.address!.port)).id).toBe(a.id);
    const line = new Promise((resolve) => a.once("broadcast", (event) => resolve(event.msg)));
    b.broadcast({ text: "inside the network" });
    expect(await line).toEqual({ text: "inside the network" });
  });

  it("a node holding another key, or none, cannot join; neither is bound", async () => {
    const a = await nodes.start({ networkKey: keyA });
    const other = await nodes.start({ networkKey: keyB });
    const none = await nodes.start({});
    await expect(other.join("127.0.0.1", a.address!.port)).rejects.toMatchObject({ code: "ERR_DIAL_FAILED" });
    await expect(none.join("127.0.0.1", a.address!.port)).rejects.toMatchObject({ code: "ERR_DIAL_FAILED" });
    await expect(a.join("127.0.0.1", none.address!.port)).rejects.toMatchObject({ code: "ERR_DIAL_FAILED" });
    expect(a.peers.list()).toEqual([]);
  });

  it("a socket that does not prove the key receives no byte: a TLS client with a certificate, plaintext, junk", async () => {
    const a = await nodes.start({ networkKey: keyA, limits: { handshakeMs: 1_000 } });
    const port = a.address!.port;
    const tlsClient = await new Promise<number>((resolve) => {
      let received = 0;
      const raw = connect(port, "127.0.0.1");
      raw.on("data", (chunk: Buffer) => (received += chunk.length));
      raw.on("error", () => {});
      const tls = connectTls({ socket: raw, rejectUnauthorized: false, ALPNProtocols: ["peerkit/2"] });
      tls.on("error", () => {});
      raw.once("close", () => resolve(received));
    });
    expect(tlsClient).toBe(0);
    expect(await bytesFromNode(port, (s) => s.write('{"msg_type":"PING","msg":{},"originator":"x","time":0}\n'))).toBe(0);
    expect(await bytesFromNode(port, (s) => s.write(Buffer.alloc(600, 0x16)))).toBe(0);
    expect(await bytesFromNode(port, () => {})).toBe(0);
  });

  it("is refused together with --insecure, naming both", async () => {
    await expect(nodes.start({ networkKey: keyA, security: "none" })).rejects.toMatchObject({ code: "ERR_CONFIG_INVALID", message: expect.stringContaining("networkKey") });
  });

  it("a missing key file is an error naming the file and how to make one", async () => {
    await expect(nodes.start({ networkKey: "/nonexistent/peerkit.key" })).rejects.toMatchObject({
      code: "ERR_NETWORK_KEY",
      message: expect.stringMatching(/\/nonexistent\/peerkit\.key[\s\S]*peerkit network-key/),
    });
  });
});

