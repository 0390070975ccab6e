import { describe, expect, it } from "vitest";
import { SeenCache } from "../../src/kernel/seen-cache.js";

describe("SeenCache", () => {
  it("reports an id as new once and as seen afterwards", () => {
    const cache = new SeenCache(10, 1000);
    expect(cache.add("a", 0)).toBe(true);
    expect(cache.add("a", 1)).toBe(false);
  });

  it("never holds more than its capacity, dropping the oldest ids first", () => {
    const cache = new SeenCache(100, 1_000_000);
    for (let i = 0; i < 10_000; i++) cache.add(`id-${i}`, i);
    expect(cache.size).toBe(100);
    expect(cache.has("id-9999", 10_000)).toBe(true);
    expect(cache.has("id-0", 10_000)).toBe(false);
  });

  it("forgets ids older than its ttl", () => {
    const cache = new SeenCache(100, 1000);
    cache.add("old", 0);
    cache.add("new", 999);
    expect(cache.add("later", 1500)).toBe(true);
    expect(cache.size).toBe(2);
    expect(cache.has("old", 1500)).toBe(false);
    expect(cache.add("old", 1500)).toBe(true);
  });

  it("keeps an id re-added after it expired when its old entry is evicted", () => {
    const cache = new SeenCache(3, 100);
    cache.add("a", 0);
    cache.add("b", 50);
    expect(cache.add("a", 120)).toBe(true);
    cache.add("c", 130);
    cache.add("d", 140);
    expect(cache.has("a", 140)).toBe(true);
    expect(cache.has("b", 140)).toBe(false);
    expect(cache.size).toBe(3);
  });
});
