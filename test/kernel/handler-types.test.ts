// Handlers typed by their payload check: checked by `tsc` (npm run typecheck, and the lint's type-aware
// pass). Each `@ts-expect-error` below must stay an error: a handler whose envelope does not match its
// payload check, or that expects a peer without `requirePeer`, does not compile.
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  handles,
  payloadCheck,
  plugin,
  type Envelope,
  type Handlers,
  type MessageContext,
  type PeerMessageContext,
} from "../../src/plugin-api.js";

const greetPayload = payloadCheck<{ name: string }>((msg) => (typeof (msg as { name?: unknown } | null)?.name === "string" ? undefined : "expected { name }"));
const isCount = (msg: unknown): msg is number => typeof msg === "number";

@plugin({ name: "typed" })
class Typed {
  @handles("GREET", { payload: greetPayload })
  onGreet(envelope: Envelope<{ name: string }>, context: MessageContext): void {
    expectTypeOf(envelope.msg.name).toEqualTypeOf<string>();
    expectTypeOf(context.peerId).toEqualTypeOf<string | undefined>();
  }

  @handles("COUNT", { payload: isCount, requirePeer: true })
  onCount(envelope: Envelope<number>, context: PeerMessageContext): void {
    expectTypeOf(context.peerId).toEqualTypeOf<string>();
  }

  @handles("ANY")
  onAny(envelope: Envelope): void {
    expectTypeOf(envelope.msg).toEqualTypeOf<unknown>();
  }

  // @ts-expect-error: the check accepts { name }, the handler wants { text }
  @handles("GREET", { payload: greetPayload })
  onWrongPayload(_envelope: Envelope<{ text: string }>): void {}

  // @ts-expect-error: the guard accepts numbers, the handler wants strings
  @handles("COUNT", { payload: isCount })
  onWrongGuard(_envelope: Envelope<string>): void {}

  // @ts-expect-error: no payload check, so no payload type to promise the handler
  @handles("ANY")
  onUncheckedTyped(_envelope: Envelope<{ name: string }>): void {}

  // @ts-expect-error: without requirePeer the context may have no peer yet
  @handles("ANY")
  onPeerWithoutRequirement(_envelope: Envelope, _context: PeerMessageContext): void {}
}

describe("handler types", () => {
  it("type the handlers registered at run time by their options too", () => {
    const registered: string[] = [];
    const handlers: Handlers = { on: (type) => (registered.push(type), () => {}), known: () => () => {} };
    handlers.on("GREET", (envelope) => expectTypeOf(envelope.msg).toEqualTypeOf<{ name: string }>(), { payload: greetPayload });
    handlers.on("COUNT", (_envelope, context) => expectTypeOf(context.peerId).toEqualTypeOf<string>(), { payload: isCount, requirePeer: true });
    // @ts-expect-error: the check accepts { name }, the handler wants a number
    handlers.on("GREET", (envelope: Envelope<number>) => envelope, { payload: greetPayload });
    expect(registered).toEqual(["GREET", "COUNT", "GREET"]);
    expect(Typed.name).toBe("Typed");
  });
});
