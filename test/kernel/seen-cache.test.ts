import { describe, expect, it } from "vitest";
import { SeenCache } from "../../src/kernel/seen-cache.js";

describe("SeenCache", () => {
  it("reports an id as new once and as seen afterwards", () => {
    const cache = new SeenCache(10, 1000);
    expect(cache.add("a", 0)).toBe(true);
    expect(cache.add("a", 1)).toBe(false);
  });

  it("never holds more than its capacity, and refuses new ids rather than forget live ones", () => {
    const cache = new SeenCache(100, 1_000_000);
    for (let i = 0; i < 10_000; i++) cache.add(`id-${i}`, i);
    expect(cache.size).toBe(100);
    expect(cache.has("id-0", 10_000)).toBe(true);
    expect(cache.has("id-99", 10_000)).toBe(true);
    expect(cache.has("id-100", 10_000)).toBe(false);
    expect(cache.record(["another"], 10_000)).toBe("full");
    expect(cache.record(["id-5"], 10_000)).toBe("seen");
  });

  it("accepts new ids again as soon as old ones expire", () => {
    const cache = new SeenCache(2, 100);
    cache.add("a", 0);
    cache.add("b", 50);
    expect(cache.record(["c"], 99)).toBe("full");
    expect(cache.record(["c"], 100)).toBe("new");
    expect(cache.has("b", 100)).toBe(true);
    expect(cache.record(["d"], 100)).toBe("full");
  });

  it("records a message's ids all or none", () => {
    const cache = new SeenCache(3, 100);
    cache.add("x", 0);
    cache.add("y", 0);
    expect(cache.record(["m", "k"], 1)).toBe("full");
    expect(cache.has("m", 1)).toBe(false);
    expect(cache.record(["m"], 1)).toBe("new");
    expect(cache.record(["n", "m"], 1)).toBe("seen");
    expect(cache.record(["m", "z"], 1)).toBe("seen");
    expect(cache.has("z", 1)).toBe(false);
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
    expect(cache.add("d", 150)).toBe(true);
    expect(cache.has("a", 150)).toBe(true);
    expect(cache.has("b", 150)).toBe(false);
    expect(cache.size).toBe(3);
  });
});

describe("SeenCache: each source's share when full", () => {
  it("refuses a flooder's further ids but admits another source's, evicting the flooder's oldest", () => {
    const cache = new SeenCache(100, 1_000_000);
    for (let i = 0; i < 100; i++) cache.add(`flood-${i}`, i, "10.0.0.66");
    expect(cache.record(["flood-more"], 200, "10.0.0.66")).toBe("full");
    expect(cache.record(["honest-1"], 200, "10.0.0.7")).toBe("new");
    expect(cache.has("flood-0", 200)).toBe(false);
    expect(cache.has("flood-1", 200)).toBe(true);
    expect(cache.size).toBe(100);
    expect(cache.heldBy("10.0.0.66")).toBe(99);
    expect(cache.heldBy("10.0.0.7")).toBe(1);
  });

  it("never evicts a lighter source's ids: a replay of an honest message stays a duplicate under a flood", () => {
    const cache = new SeenCache(10, 1_000_000);
    cache.add("honest", 0, "10.0.0.7");
    for (let i = 0; i < 1_000; i++) cache.add(`flood-${i}`, i + 1, "10.0.0.66");
    expect(cache.has("honest", 2_000)).toBe(true);
    expect(cache.record(["honest"], 2_000, "10.0.0.66")).toBe("seen");
  });

  it("stops evicting once the sources are even (max-min fairness)", () => {
    const cache = new SeenCache(4, 1_000_000);
    cache.add("a1", 0, "A");
    cache.add("a2", 0, "A");
    cache.add("a3", 0, "A");
    cache.add("b1", 0, "B");
    expect(cache.record(["b2"], 1, "B")).toBe("new");
    expect(cache.heldBy("A")).toBe(2);
    expect(cache.record(["b3"], 1, "B")).toBe("full");
    expect(cache.record(["c1"], 1, "C")).toBe("new");
    expect(cache.heldBy("A") + cache.heldBy("B")).toBe(3);
  });

  it("forgets an evicted id's slot when it expires, and takes the same id again later", () => {
    const cache = new SeenCache(2, 100);
    cache.add("x", 0, "A");
    cache.add("y", 0, "A");
    expect(cache.record(["z"], 10, "B")).toBe("new");
    expect(cache.has("x", 10)).toBe(false);
    expect(cache.record(["x"], 20, "B")).toBe("full");
    expect(cache.record(["w"], 100, "C")).toBe("new");
    expect(cache.size).toBe(2);
    expect(cache.record(["x"], 111, "A")).toBe("new");
    expect(cache.has("z", 111)).toBe(false);
  });
});
