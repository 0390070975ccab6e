// The budget of inbound secure handshakes in progress: a newcomer is never refused; the oldest of its
// own source (at that source's budget) or of the busiest source (at the total) makes room.
import { describe, expect, it } from "vitest";
import type { Socket } from "node:net";
import { HandshakeSlots } from "../../src/transport/handshake-slots.js";

const socket = (name: string): Socket => ({ name }) as unknown as Socket;

describe("HandshakeSlots", () => {
  it("evicts the oldest handshake of a source at its budget, and only that source's", () => {
    const slots = new HandshakeSlots({ maxHandshakes: 10, maxHandshakesPerSource: 2 });
    const [a1, a2, a3, b1] = [socket("a1"), socket("a2"), socket("a3"), socket("b1")];
    expect(slots.admit(b1, "10.0.0.2")).toEqual([]);
    expect(slots.admit(a1, "10.0.0.1")).toEqual([]);
    expect(slots.admit(a2, "10.0.0.1")).toEqual([]);
    expect(slots.admit(a3, "10.0.0.1")).toEqual([a1]);
    expect(slots.size).toBe(3);
  });

  it("at the total, evicts the oldest of the busiest source; an IPv6 /64 is one source", () => {
    const slots = new HandshakeSlots({ maxHandshakes: 3, maxHandshakesPerSource: 3 });
    const [v6a, v6b, v4, fresh] = [socket("v6a"), socket("v6b"), socket("v4"), socket("fresh")];
    slots.admit(v6a, "2001:db8::1");
    slots.admit(v6b, "2001:db8::2");
    slots.admit(v4, "10.0.0.9");
    expect(slots.admit(fresh, "10.0.0.7")).toEqual([v6a]);
    slots.release(v6b, "2001:db8::2");
    slots.release(v6b, "2001:db8::2");
    expect(slots.size).toBe(2);
  });
});
