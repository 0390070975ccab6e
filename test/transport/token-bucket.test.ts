import { describe, expect, it } from "vitest";
import { TokenBucket } from "../../src/transport/token-bucket.js";

describe("TokenBucket", () => {
  it("gives its burst at once, then nothing until it refills at its rate", () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect(bucket.takeUpTo(5)).toBe(3);
    expect(bucket.takeUpTo(5)).toBe(0);
    expect(bucket.msUntilToken()).toBe(100);
    now = 250;
    expect(bucket.takeUpTo(5)).toBe(2);
    expect(bucket.msUntilToken()).toBe(50);
  });

  it("never holds more than its burst, however long it waited", () => {
    let now = 0;
    const bucket = new TokenBucket(1000, 5, () => now);
    now = 60_000;
    expect(bucket.takeUpTo(100)).toBe(5);
    expect(bucket.takeUpTo(100)).toBe(0);
  });
});
