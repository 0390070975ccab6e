import { describe, expect, it } from "vitest";
import { TokenBucket } from "../../src/transport/token-bucket.js";

describe("TokenBucket", () => {
  it("gives its burst at once, then nothing until it refills", () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([0, 0, 0]);
    expect(bucket.tryTake()).toBe(100);
    now = 100;
    expect(bucket.tryTake()).toBe(0);
    expect(bucket.tryTake()).toBe(100);
  });

  it("never holds more than its burst, however long it waited", () => {
    let now = 0;
    const bucket = new TokenBucket(1000, 5, () => now);
    now = 60_000;
    const taken = Array.from({ length: 10 }, () => bucket.tryTake()).filter((wait) => wait === 0);
    expect(taken).toHaveLength(5);
  });
});
