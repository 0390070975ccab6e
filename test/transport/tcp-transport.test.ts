import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../src/kernel/config.js";
import { silentLogger, type Logger } from "../../src/base/logger.js";
import { TcpTransport } from "../../src/transport/tcp-transport.js";
import { Recorder, waitFor } from "../../src/testing/transport-contract.js";
import { openRawSocket } from "./raw-socket.js";

/** A logger that keeps the messages logged at debug level. */
class DebugMessages implements Logger {
  readonly messages: string[] = [];
  debug(message: string): void {
    this.messages.push(message);
  }
  info(): void {}
  warn(): void {}
  error(): void {}
}

describe("TcpTransport", () => {
  const opened: TcpTransport[] = [];

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((transport) => transport.close()));
  });

  it("is built from plain options, without a container, and reads its limits from them", async () => {
    const transport = new TcpTransport({ limits: { ...DEFAULT_LIMITS, maxSockets: 1 }, logger: silentLogger });
    opened.push(transport);
    const recorder = new Recorder();
    transport.setHandlers(recorder);
    const address = await transport.listen("127.0.0.1", 0);
    expect(address.port).toBeGreaterThan(0);
    const dialer = new TcpTransport({ limits: DEFAULT_LIMITS, logger: silentLogger });
    opened.push(dialer);
    dialer.setHandlers(new Recorder());
    await dialer.dial("127.0.0.1", address.port);
    await waitFor(() => recorder.connections.length === 1, "the inbound connection");
    await expect(transport.dial("127.0.0.1", address.port)).rejects.toMatchObject({ code: "ERR_DIAL_FAILED", message: expect.stringContaining("limits.maxSockets") });
  });

  it("rejects listen and dial before setHandlers with ERR_NODE_STATE", async () => {
    const transport = new TcpTransport({ limits: DEFAULT_LIMITS, logger: silentLogger });
    opened.push(transport);
    await expect(transport.listen("127.0.0.1", 0)).rejects.toMatchObject({ code: "ERR_NODE_STATE" });
    await expect(transport.dial("127.0.0.1", 1)).rejects.toMatchObject({ code: "ERR_NODE_STATE" });
  });

  it("rejects a dial pending when the transport closes, and still resolves close()", async () => {
    const transport = new TcpTransport({ limits: DEFAULT_LIMITS, logger: silentLogger });
    transport.setHandlers(new Recorder());
    const server = new TcpTransport({ limits: DEFAULT_LIMITS, logger: silentLogger });
    opened.push(server);
    server.setHandlers(new Recorder());
    const address = await server.listen("127.0.0.1", 0);
    const dialling = transport.dial("127.0.0.1", address.port);
    await transport.close();
    await expect(dialling).rejects.toMatchObject({ code: "ERR_DIAL_FAILED" });
  });

  it("delivers a final unterminated frame when the remote closes (NDJSON's last line needs no newline)", async () => {
    const transport = new TcpTransport({ limits: DEFAULT_LIMITS, logger: new DebugMessages() });
    opened.push(transport);
    const recorder = new Recorder();
    transport.setHandlers(recorder);
    const raw = await openRawSocket(await transport.listen("127.0.0.1", 0));
    raw.socket.end('{"msg_type":"TEST","msg":1,"originator":"x","time":1}\n{"msg_type":"TEST","msg":2,"originator":"x","time":1}');
    await raw.closed;
    await waitFor(() => recorder.disconnects.length === 1, "the disconnect");
    expect(recorder.frames.map((f) => f.envelope.msg)).toEqual([1, 2]);
    expect(recorder.disconnects[0]!.reason).toBe("the remote end closed the connection");
  });
});
