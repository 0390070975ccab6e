import { describe, expect, it } from "vitest";
import { relayCopy, type Envelope } from "../../src/plugin-api.js";

const envelope = (ttl?: number): Envelope => ({ msg_type: "BROADCAST", msg: "m", originator: "a", time: 0, id: "m1", ...(ttl === undefined ? {} : { ttl }) });

describe("relayCopy", () => {
  it("gives a copy with one hop less, leaving the original as it was", () => {
    const original = envelope(3);
    expect(relayCopy(original, 8)).toEqual({ ...original, ttl: 2 });
    expect(original.ttl).toBe(3);
  });

  it("gives nothing once the hops are used up", () => {
    expect(relayCopy(envelope(1), 8)).toBeUndefined();
    expect(relayCopy(envelope(0), 8)).toBeUndefined();
  });

  it("counts a missing ttl, or one above the node's limit, as the limit", () => {
    expect(relayCopy(envelope(), 8)?.ttl).toBe(7);
    expect(relayCopy(envelope(1000), 8)?.ttl).toBe(7);
  });
});
