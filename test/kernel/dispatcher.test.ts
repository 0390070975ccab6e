import { describe, expect, it } from "vitest";
import { Dispatcher } from "../../src/kernel/dispatcher.js";
import type { Envelope } from "../../src/base/envelope.js";
import type { MessageContext } from "../../src/kernel/message-context.js";
import { MemoryLogger } from "../../src/testing/index.js";

function context(rejections: string[] = [], handshaken = true): MessageContext {
  return {
    connection: { id: "c1" } as MessageContext["connection"],
    peerId: handshaken ? "bob" : undefined,
    reply: () => true,
    forward: () => 0,
    reject: (reason) => void rejections.push(reason),
  };
}
const envelope = (type: string, msg: unknown = null): Envelope => ({ msg_type: type, msg, originator: "bob", time: 0 });

describe("Dispatcher", () => {
  it("calls every handler of a type, in registration order", () => {
    const dispatcher = new Dispatcher(new MemoryLogger());
    const calls: string[] = [];
    dispatcher.on("T", () => void calls.push("first"));
    dispatcher.on("T", () => void calls.push("second"));
    dispatcher.dispatch(envelope("T"), context());
    expect(calls).toEqual(["first", "second"]);
  });

  it("ignores an unknown type with a debug log", () => {
    const logger = new MemoryLogger();
    new Dispatcher(logger).dispatch(envelope("NOPE"), context());
    expect(logger.find("NOPE", "debug")?.message).toBe("ignored message of unknown type");
  });

  it("logs a throwing handler with its owner and type, and still runs the next handler", () => {
    const logger = new MemoryLogger();
    const dispatcher = new Dispatcher(logger);
    let ran = false;
    dispatcher.on("T", () => {
      throw new Error("boom");
    }, { owner: "broken" });
    dispatcher.on("T", () => void (ran = true));
    dispatcher.dispatch(envelope("T"), context());
    expect(ran).toBe(true);
    expect(logger.entries.find((e) => e.level === "error")?.fields).toMatchObject({ plugin: "broken", type: "T", error: "boom" });
  });

  it("logs a rejecting async handler without an unhandled rejection", async () => {
    const logger = new MemoryLogger();
    const dispatcher = new Dispatcher(logger);
    dispatcher.on("T", async () => {
      throw new Error("later");
    }, { owner: "async" });
    dispatcher.dispatch(envelope("T"), context());
    await new Promise((resolve) => setImmediate(resolve));
    expect(logger.find("later", "error")?.fields).toMatchObject({ plugin: "async" });
  });

  it("does not wait for a handler that never resolves before running the next one", () => {
    const dispatcher = new Dispatcher(new MemoryLogger());
    let ran = false;
    dispatcher.on("T", () => new Promise<void>(() => {}));
    dispatcher.on("T", () => void (ran = true));
    dispatcher.dispatch(envelope("T"), context());
    expect(ran).toBe(true);
  });

  it("rejects a message whose payload fails the handler's check, without calling it", () => {
    const dispatcher = new Dispatcher(new MemoryLogger());
    const rejections: string[] = [];
    let called = false;
    dispatcher.on("T", () => void (called = true), { payload: (msg) => (typeof msg === "string" ? undefined : "expected a string") });
    dispatcher.dispatch(envelope("T", 42), context(rejections));
    expect(called).toBe(false);
    expect(rejections).toEqual(["T payload: expected a string"]);
  });

  it("takes a type guard as a payload check: a payload it refuses is rejected", () => {
    const dispatcher = new Dispatcher(new MemoryLogger());
    const rejections: string[] = [];
    const got: string[] = [];
    const isString = (msg: unknown): msg is string => typeof msg === "string";
    dispatcher.on("T", (e) => void got.push(e.msg.toUpperCase()), { payload: isString });
    dispatcher.dispatch(envelope("T", 42), context(rejections));
    dispatcher.dispatch(envelope("T", "ok"), context(rejections));
    expect(got).toEqual(["OK"]);
    expect(rejections).toEqual(["T payload: refused by its payload check"]);
  });

  it("with requirePeer, rejects the type before the handshake without calling the handler or its check", () => {
    const dispatcher = new Dispatcher(new MemoryLogger());
    const rejections: string[] = [];
    const peers: string[] = [];
    let checked = 0;
    dispatcher.on("T", (_e, ctx) => void peers.push(ctx.peerId), {
      requirePeer: true,
      payload: () => {
        checked++;
        return undefined;
      },
    });
    dispatcher.dispatch(envelope("T"), context(rejections, false));
    expect(rejections).toEqual(["T before the handshake"]);
    expect(checked).toBe(0);
    dispatcher.dispatch(envelope("T"), context(rejections));
    expect(peers).toEqual(["bob"]);
  });

  it("lists its types and forgets a handler once it is removed", () => {
    const dispatcher = new Dispatcher(new MemoryLogger());
    const off = dispatcher.on("B", () => {});
    dispatcher.on("A", () => {});
    expect(dispatcher.types()).toEqual(["A", "B"]);
    off();
    expect(dispatcher.types()).toEqual(["A"]);
  });
});
