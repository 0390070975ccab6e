// Per-source rates (one-shot legacy messages, secure handshakes), and the bound on the table of sources.
import { describe, expect, it } from "vitest";
import { SourceRateLimiter } from "../../src/transport/source-rate-limiter.js";
import { FakeClock } from "../../src/testing/index.js";

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

  it("check weighs a source without taking a token; charge takes one even past zero, and check then refuses until it refilled", () => {
    const clock = new FakeClock();
    const limiter = new SourceRateLimiter(2, 2, 100, () => clock.now());
    expect(limiter.check("a")).toBe("admitted");
    expect(limiter.size).toBe(0);
    for (let i = 0; i < 4; i++) limiter.charge("a");
    // Two tokens owed: refused (said once per run) for a second, admitted again after 1.5 s.
    expect([limiter.check("a"), limiter.check("a")]).toEqual(["started-limiting", "limited"]);
    clock.advance(1_000);
    expect(limiter.check("a")).toBe("limited");
    clock.advance(500);
    expect(limiter.check("a")).toBe("admitted");
    expect(limiter.check("b")).toBe("admitted");
  });
});
