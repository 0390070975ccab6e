// How a one-shot legacy message's source address is spelled (its rate: test/transport/source-rate-limiter.test.ts).
import { describe, expect, it } from "vitest";
import { normaliseIp } from "../../src/legacy/sources.js";

describe("normaliseIp", () => {
  it("reads an IPv4-mapped IPv6 address as its IPv4 address, and ignores case", () => {
    expect(normaliseIp("::ffff:10.0.0.5")).toBe("10.0.0.5");
    expect(normaliseIp("::FFFF:10.0.0.5")).toBe("10.0.0.5");
    expect(normaliseIp("10.0.0.5")).toBe("10.0.0.5");
    expect(normaliseIp("FE80::1")).toBe("fe80::1");
    expect(normaliseIp("::ffff:999.1.1.1")).toBe("::ffff:999.1.1.1");
    expect(normaliseIp("127.1")).toBe("127.1");
  });
});
