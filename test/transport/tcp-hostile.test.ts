import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultConfig, DEFAULT_LIMITS } from "../../src/kernel/config.js";
import { MemoryLogger } from "../../src/testing/memory-logger.js";
import { TcpConnection } from "../../src/transport/tcp-connection.js";
import { TcpTransport } from "../../src/transport/tcp-transport.js";
import type { Address, Connection } from "../../src/transport/transport.js";
import { envelope, Recorder, waitFor } from "../../src/testing/transport-contract.js";
import { openRawSocket, type RawSocket } from "./raw-socket.js";

const MiB = 1024 * 1024;
const HOST = "127.0.0.1";

describe("TCP transport under hostile input", () => {
  let logger: MemoryLogger;
  const warnings = () => logger.entries.filter((entry) => entry.level === "warn");
  /** Every "rejected a frame" entry: the first at warn, the rest within the throttle interval at debug. */
  const rejected = () => logger.entries.filter((entry) => entry.message === "rejected a frame");
  let recorder: Recorder;
  let transport: TcpTransport;
  let address: Address;
  const dialers: TcpTransport[] = [];
  const rawSockets: RawSocket[] = [];

  beforeEach(async () => {
    logger = new MemoryLogger();
    recorder = new Recorder();
    transport = new TcpTransport({ limits: { ...DEFAULT_LIMITS, maxFrameBytes: MiB, maxBadFrames: 10 }, logger });
    transport.setHandlers(recorder);
    address = await transport.listen(HOST, 0);
  });

  afterEach(async () => {
    await Promise.all(rawSockets.splice(0).map((raw) => raw.close()));
    await Promise.all(dialers.splice(0).map((dialer) => dialer.close()));
    await transport.close();
  });

  async function hostile(): Promise<RawSocket> {
    const raw = await openRawSocket(address);
    rawSockets.push(raw);
    return raw;
  }

  /** A well-behaved client: a TcpTransport of its own, dialled into the transport under test. */
  async function wellBehaved(): Promise<Connection> {
    const dialer = new TcpTransport({ limits: DEFAULT_LIMITS, logger });
    dialer.setHandlers(new Recorder());
    dialers.push(dialer);
    return dialer.dial(HOST, address.port);
  }

  /** Sends `payload` from `client` and waits for the transport under test to deliver it. */
  async function roundTrip(client: Connection, payload: string): Promise<void> {
    expect(client.send(envelope(payload))).toBe(true);
    await waitFor(() => recorder.payloads().includes(payload), `"${payload}" to be delivered`);
  }

  /** The connection the transport under test made for the n-th accepted socket. */
  function inbound(index: number): Connection {
    return recorder.connections[index]!;
  }

  it("closes a connection sending a 4 MiB line without a newline, long before reading it all", async () => {
    const good = await wellBehaved();
    await waitFor(() => recorder.connections.length === 1, "the good client");
    const attacker = await hostile();
    await waitFor(() => recorder.connections.length === 2, "the attacker's connection");

    attacker.socket.write(Buffer.alloc(4 * MiB, 0x61));
    await roundTrip(good, "during the attack");
    await attacker.closed;
    await waitFor(() => recorder.disconnectsOf(inbound(1)) === 1, "the attacker's disconnect");

    const tooLarge = warnings().find((entry) => entry.message.startsWith("frame too large"));
    expect(tooLarge?.fields.reason).toMatch(/limits\.maxFrameBytes \(1048576 bytes\)/);
    expect(tooLarge?.fields.connection).toBe(inbound(1).id);
    expect(tooLarge?.fields.bytesRead).toBeLessThan(4 * MiB);
    expect(inbound(1)).toBeInstanceOf(TcpConnection);
    expect((inbound(1) as TcpConnection).bufferedBytes).toBe(0);
    expect(recorder.disconnects.find((entry) => entry.connection === inbound(1))?.reason).toMatch(/maxFrameBytes/);

    await roundTrip(good, "after the attack");
    expect(good.closed).toBe(false);
    await roundTrip(await wellBehaved(), "from a new connection");
  });

  it("closes a connection sending binary junk with newlines after limits.maxBadFrames", async () => {
    const good = await wellBehaved();
    const attacker = await hostile();
    await waitFor(() => recorder.connections.length === 2, "both connections");

    // Every line is invalid: 0xff can never appear in UTF-8, so each decodes to U+FFFD, never JSON.
    const junk = randomBytes(64 * 1024);
    for (let offset = 0; offset < junk.length; offset += 100) junk[offset] = 0xff;
    for (let offset = 50; offset < junk.length; offset += 100) junk[offset] = 0x0a;
    attacker.socket.write(junk);
    await roundTrip(good, "during the junk");
    await attacker.closed;
    await waitFor(() => recorder.disconnectsOf(inbound(1)) === 1, "the attacker's disconnect");

    expect(recorder.disconnects.find((entry) => entry.connection === inbound(1))?.reason).toBe(
      "too many bad frames (11 > limits.maxBadFrames 10)",
    );
    const rejections = rejected();
    expect(rejections).toHaveLength(11);
    // One warn line, the other ten at debug: junk cannot flood the log.
    expect(rejections.filter((entry) => entry.level === "warn")).toHaveLength(1);
    expect(rejections[0]!.fields).toMatchObject({ connection: inbound(1).id, reason: "frame is not valid JSON" });
    expect(rejections[0]!.fields.remote).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(recorder.frames.every((frame) => frame.connection !== inbound(1))).toBe(true);

    await roundTrip(await wellBehaved(), "from a new connection");
  });

  it("rejects envelopes carrying __proto__, plainly or hidden behind \\u escapes", async () => {
    const good = await wellBehaved();
    const attacker = await hostile();
    await waitFor(() => recorder.connections.length === 2, "both connections");

    attacker.write('{"__proto__":{"x":1},"msg_type":"TEST","msg":1,"originator":"evil","time":1}');
    attacker.write('{"msg_type":"TEST","msg":{"__proto__":{"polluted":true}},"originator":"evil","time":1}');
    attacker.write('{"msg_type":"TEST","msg":{"\\u005f\\u005fproto\\u005f\\u005f":{"polluted":true}},"originator":"evil","time":1}');
    attacker.write('{"msg_type":"TEST","msg":{"a":{"constructor":{"prototype":{"polluted":true}}}},"originator":"evil","time":1}');
    await roundTrip(good, "meanwhile");
    await waitFor(() => rejected().length === 4, "four rejections");

    for (const entry of rejected()) {
      expect(entry.fields).toMatchObject({ connection: inbound(1).id, reason: expect.stringMatching(/forbidden key/) });
    }
    expect(recorder.frames.every((frame) => frame.connection !== inbound(1))).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(inbound(1).closed).toBe(false);

    await roundTrip(await wellBehaved(), "from a new connection");
  });

  it("names the peer in its logs once the kernel has bound one", async () => {
    const attacker = await hostile();
    await waitFor(() => recorder.connections.length === 1, "the connection");
    inbound(0).peerId = "peer-x";
    attacker.write("nonsense");
    await waitFor(() => warnings().length === 1, "the rejection");
    expect(warnings()[0]!.fields).toMatchObject({ peer: "peer-x", reason: "frame is not valid JSON" });
  });
});
