import { describe, expect, it } from "vitest";
import { PendingRequests } from "../../src/plugin-api.js";
import { FakeClock } from "../../src/testing/index.js";

describe("PendingRequests", () => {
  it("resolves every waiter of a key with its answer, and clears the deadline", async () => {
    const clock = new FakeClock();
    const pending = new PendingRequests<string, number>(clock);
    const first = pending.wait("k", 1000, "ASK to bob");
    const second = pending.wait("k", 1000, "ASK to bob");
    expect(pending.resolve("k", 7)).toBe(true);
    await expect(Promise.all([first, second])).resolves.toEqual([7, 7]);
    expect(clock.pending).toBe(0);
    expect(pending.resolve("k", 8)).toBe(false);
  });

  it("rejects with ERR_TIMEOUT naming the request at the first wait's deadline, shared by later waits", async () => {
    const clock = new FakeClock();
    const pending = new PendingRequests<string, number>(clock);
    const first = pending.wait("k", 1000, "ASK to bob");
    clock.advance(600);
    const joined = pending.wait("k", 1000, "ASK to bob");
    const outcomes = Promise.allSettled([first, joined]);
    clock.advance(400);
    const [a, b] = await outcomes;
    expect(a).toMatchObject({ status: "rejected", reason: { code: "ERR_TIMEOUT", message: expect.stringContaining("ASK to bob got no answer within 1000 ms") } });
    expect(b).toMatchObject({ status: "rejected", reason: { code: "ERR_TIMEOUT" } });
    expect(pending.has("k")).toBe(false);
  });

  it("rejects a timed-out wait with the error of options.timeoutError when given", async () => {
    const clock = new FakeClock();
    const pending = new PendingRequests<string, void>(clock);
    const waiting = pending.wait("m1", 50, "the message m1", { timeoutError: (what, ms) => new Error(`${what}: nothing in ${ms} ms`) });
    clock.advance(50);
    await expect(waiting).rejects.toThrow("the message m1: nothing in 50 ms");
  });

  it("rejectAll fails every request, with an error made per request, and leaves no timer", async () => {
    const clock = new FakeClock();
    const pending = new PendingRequests<string, number>(clock);
    const a = pending.wait("a", 1000, "ASK to a");
    const b = pending.wait("b", 1000, "ASK to b");
    pending.rejectAll((what, key) => new Error(`${key}: shut down before ${what} was answered`));
    await expect(a).rejects.toThrow("a: shut down before ASK to a was answered");
    await expect(b).rejects.toThrow("b: shut down before ASK to b was answered");
    expect(pending.size).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
