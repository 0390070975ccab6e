// Issue 10, item 5: the legacy dialect is attached to a plain TcpTransport through its generic extension
// points; the transport itself knows nothing of it.
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/base/logger.js";
import { DEFAULT_LIMITS } from "../../src/kernel/config.js";
import { LEGACY_DIALECT } from "../../src/legacy/codec.js";
import { attachLegacyDialect } from "../../src/legacy/dialect.js";
import { TcpTransport } from "../../src/transport/tcp-transport.js";
import { Recorder, waitFor } from "../../src/testing/transport-contract.js";
import { legacyMessage, sendOneShot } from "./raw-legacy.js";

describe("attachLegacyDialect", () => {
  const opened: TcpTransport[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((transport) => transport.close()));
  });

  async function listening(): Promise<{ transport: TcpTransport; recorder: Recorder; port: number }> {
    const transport = new TcpTransport({ limits: DEFAULT_LIMITS, logger: silentLogger });
    opened.push(transport);
    const recorder = new Recorder();
    transport.setHandlers(recorder);
    const { port } = await transport.listen("127.0.0.1", 0);
    return { transport, recorder, port };
  }

  it("turns a one-shot legacy PING into a link of the legacy dialect, validated like every frame", async () => {
    const { transport, recorder, port } = await listening();
    const dialect = attachLegacyDialect(transport, { limits: DEFAULT_LIMITS, logger: silentLogger, pongIntervalMs: 1_000 });
    await sendOneShot(port, legacyMessage("PING", ["127.0.0.1", 5001], "py"));
    await sendOneShot(port, legacyMessage("TEST", { __proto__: null, constructor: 1 }, "stranger"));
    const link = recorder.connections.find((c) => c.dialect === LEGACY_DIALECT);
    expect(link).toMatchObject({ id: "legacy-1", direction: "inbound", remote: { host: "127.0.0.1", port: 5001 }, splitsReplies: true });
    expect(recorder.frames.map((f) => [f.connection, f.envelope.msg_type])).toEqual([[link, "PING"]]);
    expect(dialect.stats()).toMatchObject({ delivered: 1, malformed: 1 });
    // Dialling the same address in the dialect gives the same link.
    await expect(transport.dial("127.0.0.1", 5001, { dialect: LEGACY_DIALECT })).resolves.toBe(link);
  });

  it("is attached once per transport; detached, it closes its links and the transport no longer dials it", async () => {
    const { transport, recorder } = await listening();
    const dialect = attachLegacyDialect(transport, { limits: DEFAULT_LIMITS, logger: silentLogger, pongIntervalMs: 1_000 });
    expect(() => attachLegacyDialect(transport, { limits: DEFAULT_LIMITS, logger: silentLogger, pongIntervalMs: 1_000 })).toThrow(
      expect.objectContaining({ code: "ERR_NODE_STATE" }),
    );
    const link = await transport.dial("127.0.0.1", 5001, { dialect: LEGACY_DIALECT });
    dialect.detach("test over");
    await waitFor(() => recorder.disconnectsOf(link) === 1, "the link's disconnect");
    expect(recorder.disconnects).toMatchObject([{ connection: link, reason: "test over" }]);
    await expect(transport.dial("127.0.0.1", 5001, { dialect: LEGACY_DIALECT })).rejects.toMatchObject({ code: "ERR_PLUGIN_NOT_LOADED" });
  });
});
