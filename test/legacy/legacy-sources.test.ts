// The per-source rate limit of one-shot legacy messages, and the bound on its table of sources.
import { describe, expect, it } from "vitest";
import { normaliseIp, SourceRateLimiter } from "../../src/legacy/sources.js";
import { FakeClock } from "../../src/testing/index.js";

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

describe("SourceRateLimiter", () => {
  it("admits a burst, then the sustained rate, per source; warns once per run of refusals", () => {
    const clock = new FakeClock();
    const limiter = new SourceRateLimiter(2, 3, 100, () => clock.now());
    expect([1, 2, 3, 4, 5].map(() => limiter.admit("a"))).toEqual(["admitted", "admitted", "admitted", "started-limiting", "limited"]);
    expect(limiter.admit("b")).toBe("admitted");
    clock.advance(500);
    expect([limiter.admit("a"), limiter.admit("a")]).toEqual(["admitted", "started-limiting"]);
  });

  it("forgets a source once its bucket has refilled (it is then no different from a new one)", () => {
    const clock = new FakeClock();
    const limiter = new SourceRateLimiter(10, 5, 100, () => clock.now());
    for (let i = 0; i < 50; i++) limiter.admit(`10.0.0.${i}`);
    expect(limiter.size).toBe(50);
    clock.advance(500);
    limiter.admit("10.0.1.1");
    expect(limiter.size).toBe(1);
  });

  it("never tracks more than its maximum of sources, dropping the least recently seen", () => {
    const clock = new FakeClock();
    const limiter = new SourceRateLimiter(1, 1, 100, () => clock.now());
    for (let i = 0; i < 10_000; i++) limiter.admit(`source-${i}`);
    expect(limiter.size).toBe(100);
    // A source seen recently is kept (and still limited) while newer ones push older ones out.
    limiter.admit("source-9999");
    limiter.admit("newcomer");
    expect(limiter.admit("source-9999")).toBe("limited");
  });
});
