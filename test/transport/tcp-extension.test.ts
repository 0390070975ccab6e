// The TcpTransport's extension points, which a dialect plugin (the legacy one) uses instead of the
// transport knowing the dialect: dialling by a registered dialect, one-shot messages, and sockets
// tracked and admitted under the one socket budget.
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/base/logger.js";
import { DEFAULT_LIMITS } from "../../src/kernel/config.js";
import { MemoryLogger } from "../../src/testing/memory-logger.js";
import type { TcpConnection } from "../../src/transport/tcp-connection.js";
import { TcpTransport } from "../../src/transport/tcp-transport.js";
import type { Connection, TransportHandlers } from "../../src/transport/transport.js";
import { Recorder, waitFor } from "../../src/testing/transport-contract.js";
import { openRawSocket } from "./raw-socket.js";

describe("TcpTransport extension points", () => {
  const opened: TcpTransport[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((transport) => transport.close()));
  });

  function transport(limits = DEFAULT_LIMITS, logger = silentLogger): TcpTransport {
    const t = new TcpTransport({ limits, logger });
    t.setHandlers(new Recorder());
    opened.push(t);
    return t;
  }

  it("dials a registered dialect through its dialer, with the kernel's handlers, and closes it with the transport", async () => {
    const t = transport();
    const dialled: Array<{ host: string; port: number; handlers: TransportHandlers }> = [];
    const closed: string[] = [];
    const link = { id: "x-1" } as Connection;
    t.registerDialect("x", {
      dial: (host, port, handlers) => {
        dialled.push({ host, port, handlers });
        return link;
      },
      close: (reason) => closed.push(reason),
    });
    await expect(t.dial("127.0.0.1", 9, { dialect: "x" })).resolves.toBe(link);
    expect(dialled).toMatchObject([{ host: "127.0.0.1", port: 9 }]);
    expect(dialled[0]!.handlers).toBeInstanceOf(Recorder);
    await t.close();
    expect(closed).toEqual(["the transport was closed"]);
  });

  it("refuses a dial in a dialect nobody registered with ERR_PLUGIN_NOT_LOADED naming it, and a dialect registered twice", async () => {
    const t = transport();
    await expect(t.dial("127.0.0.1", 9, { dialect: "legacy" })).rejects.toMatchObject({
      code: "ERR_PLUGIN_NOT_LOADED",
      message: expect.stringContaining('needs the "legacy" plugin'),
    });
    const remove = t.registerDialect("x", { dial: () => ({}) as Connection });
    expect(() => t.registerDialect("x", { dial: () => ({}) as Connection })).toThrow(expect.objectContaining({ code: "ERR_NODE_STATE" }));
    expect(() => t.registerDialect("ndjson", { dial: () => ({}) as Connection })).toThrow(expect.objectContaining({ code: "ERR_NODE_STATE" }));
    remove();
    await expect(t.dial("127.0.0.1", 9, { dialect: "x" })).rejects.toMatchObject({ code: "ERR_PLUGIN_NOT_LOADED" });
  });

  it("hands a connection's one unterminated message to the one-shot handler, and one handler only", async () => {
    const t = transport();
    const recorder = new Recorder();
    t.setHandlers(recorder);
    const taken: Array<{ connection: TcpConnection; text: string }> = [];
    const remove = t.handleOneShotMessages((connection, text, handlers) => {
      expect(handlers).toBe(recorder);
      taken.push({ connection, text });
      connection.close("handled");
    });
    expect(() => t.handleOneShotMessages(() => {})).toThrow(expect.objectContaining({ code: "ERR_NODE_STATE" }));
    const address = await t.listen("127.0.0.1", 0);
    const raw = await openRawSocket(address);
    raw.socket.end('{"anything":"at all"}');
    await waitFor(() => taken.length === 1, "the one-shot message");
    expect(taken[0]!.text).toBe('{"anything":"at all"}');
    expect(recorder.frames).toEqual([]);

    // Without the handler, the same text is a final NDJSON frame again (here: not an envelope).
    remove();
    const again = await openRawSocket(address);
    again.socket.end('{"msg_type":"TEST","msg":"last line","originator":"x","time":1}');
    await waitFor(() => recorder.frames.length === 1, "the final frame");
    expect(taken).toHaveLength(1);
  });

  it("counts tracked sockets against limits.maxSockets, and admitSocket says no (logged) at the budget", async () => {
    const logger = new MemoryLogger();
    const server = transport();
    const address = await server.listen("127.0.0.1", 0);
    const t = transport({ ...DEFAULT_LIMITS, maxSockets: 1 }, logger);
    expect(t.admitSocket()).toBe(true);
    const socket = connect({ host: address.host, port: address.port });
    socket.on("error", () => {});
    t.track(socket);
    expect(t.admitSocket({ dialect: "x" })).toBe(false);
    expect(logger.find("limits.maxSockets", "warn")?.fields).toMatchObject({ dialect: "x", maxSockets: 1 });
    await expect(t.dial(address.host, address.port)).rejects.toMatchObject({ code: "ERR_DIAL_FAILED" });
    expect(t.connectionCount).toBe(0);
    // close() destroys a tracked socket and waits for it.
    await t.close();
    expect(socket.destroyed).toBe(true);
    expect(t.admitSocket()).toBe(true);
  });
});
