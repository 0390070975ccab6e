import { describe, expect, it } from "vitest";
import { BoundedMap } from "../../src/base/bounded-map.js";

describe("BoundedMap", () => {
  it("evicts the oldest entry to make room on add, as the tree-mode message store needs", () => {
    const map = new BoundedMap<number>(2, 1000);
    map.add("a", 1, 0);
    map.add("b", 2, 1);
    expect(map.add("c", 3, 2)).toBe(true);
    expect(map.get("a", 2)).toBeUndefined();
    expect(map.get("c", 2)).toBe(3);
    expect(map.size).toBe(2);
  });

  it("keeps an id re-added after it expired when its old entry is evicted", () => {
    const map = new BoundedMap<true>(3, 100);
    map.add("a", true, 0);
    map.add("b", true, 50);
    expect(map.add("a", true, 120)).toBe(true);
    map.add("c", true, 130);
    map.add("d", true, 140);
    expect(map.has("a", 140)).toBe(true);
    expect(map.has("b", 140)).toBe(false);
    expect(map.size).toBe(3);
  });

  it("set() restarts a live key's ttl and replaces its value; its old slot is freed without forgetting it", () => {
    const map = new BoundedMap<string>(3, 100);
    map.set("a", "first", 0);
    map.set("a", "again", 80);
    expect(map.get("a", 150)).toBe("again");
    map.set("b", "b", 150);
    map.set("c", "c", 151);
    expect(map.get("a", 151)).toBe("again");
    expect(map.size).toBe(3);
    expect(map.get("a", 180)).toBeUndefined();
  });

  it("free() counts the room left once expired entries are gone", () => {
    const map = new BoundedMap<true>(3, 100);
    expect(map.free(0)).toBe(3);
    map.add("a", true, 0);
    map.add("b", true, 50);
    expect(map.free(99)).toBe(1);
    expect(map.free(100)).toBe(2);
    expect(map.free(150)).toBe(3);
  });
});
