// ReplayGuard.admitOffLoop: the signature of a signed message verified off the event loop, one
// verification per message shared by its copies, admissions concluded in arrival order.
import { describe, expect, it } from "vitest";
import type { Envelope } from "../../src/base/envelope.js";
import { DEFAULT_LIMITS } from "../../src/kernel/config.js";
import type { MessageSecurity } from "../../src/kernel/message-security.js";
import { MAX_ADMISSIONS_WAITING, MAX_VERIFICATIONS_OFF_LOOP, ReplayGuard, type Admission } from "../../src/kernel/replay-guard.js";
import { FakeClock } from "../../src/testing/fake-clock.js";
import { MemoryLogger } from "../../src/testing/memory-logger.js";

/** A secure MessageSecurity whose off-loop verifications the test ends, one by one. */
function fakeSecurity(): { security: MessageSecurity; pending: Array<{ envelope: Envelope; end: (ok: boolean) => void }>; syncVerifies: () => number } {
  const pending: Array<{ envelope: Envelope; end: (ok: boolean) => void }> = [];
  let sync = 0;
  const security = {
    secure: true,
    verify: () => (sync++, true),
    verifyOffLoop: (envelope: Envelope) => new Promise<boolean>((end) => pending.push({ envelope, end })),
    verificationsRunning: 0,
    verificationsDone: () => Promise.resolve(),
    isNewSequence: () => true,
  } as unknown as MessageSecurity;
  return { security, pending, syncVerifies: () => sync };
}

function signed(id: string, sig = "S"): Envelope {
  return { msg_type: "BROADCAST", msg: id, originator: "pk_o", time: 0, id, seq: 1, signature: { text: id, sig } };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(): { guard: ReplayGuard; clock: FakeClock } & ReturnType<typeof fakeSecurity> {
  const clock = new FakeClock(0);
  return { guard: new ReplayGuard({ ...DEFAULT_LIMITS }, clock, new MemoryLogger()), clock, ...fakeSecurity() };
}

describe("ReplayGuard.admitOffLoop", () => {
  it("shares one verification among the copies of a message and records nothing before it ends", async () => {
    const { guard, security, pending } = setup();
    const outcomes: Admission[] = [];
    const first = guard.admitOffLoop(signed("m1"), ["m1"], "10.0.0.1", "bob", security);
    const copy = guard.admitOffLoop(signed("m1"), ["m1"], "10.0.0.2", "carol", security);
    expect(first).toBeInstanceOf(Promise);
    void (first as Promise<Admission>).then((a) => outcomes.push(a));
    void (copy as Promise<Admission>).then((a) => outcomes.push(a));
    expect(pending).toHaveLength(1);
    expect(guard.verificationsOffLoop).toBe(1);
    expect(guard.isVerifying("m1", "S")).toBe(true);
    expect(guard.isVerifying("m1", "another signature")).toBe(false);
    const full = new ReplayGuard({ ...DEFAULT_LIMITS, seenCacheSize: 1 }, new FakeClock(0), new MemoryLogger());
    full.remember(["other"]);
    void full.admitOffLoop(signed("m2"), ["m2"], "10.0.0.1", "bob", fakeSecurity().security);
    expect(full.isVerifying("m2", "S")).toBe(false);
    expect(guard.seen.has("m1", 0)).toBe(false);
    pending[0]!.end(true);
    await turn();
    expect(outcomes).toEqual(["new", "duplicate"]);
    expect(guard.seen.has("m1", 0)).toBe(true);
    expect(guard.isVerifying("m1", "S")).toBe(false);
    // Once admitted, a copy is a duplicate at once, with no verification.
    expect(guard.admitOffLoop(signed("m1"), ["m1"], "10.0.0.1", "bob", security)).toBe("duplicate");
    expect(pending).toHaveLength(1);
  });

  it("concludes in arrival order, whatever order the verifications end in", async () => {
    const { guard, security, pending } = setup();
    const outcomes: string[] = [];
    for (const id of ["a", "b", "c"]) void (guard.admitOffLoop(signed(id), [id], "10.0.0.1", "bob", security) as Promise<Admission>).then((x) => outcomes.push(`${id}:${x}`));
    pending[2]!.end(true);
    pending[1]!.end(false);
    await turn();
    expect(outcomes).toEqual([]);
    pending[0]!.end(true);
    await turn();
    expect(outcomes).toEqual(["a:new", "b:forged", "c:new"]);
    expect(guard.dropped.forged).toBe(1);
  });

  it("verifies a copy with another signature on its own: a forged first copy does not sink the valid one", async () => {
    const { guard, security, pending } = setup();
    const forged = guard.admitOffLoop(signed("m", "BAD"), ["m"], "10.0.0.1", "mallory", security) as Promise<Admission>;
    const valid = guard.admitOffLoop(signed("m", "GOOD"), ["m"], "10.0.0.2", "bob", security) as Promise<Admission>;
    expect(pending.map((p) => p.envelope.signature!.sig)).toEqual(["BAD", "GOOD"]);
    pending[0]!.end(false);
    pending[1]!.end(true);
    expect(await forged).toBe("forged");
    expect(await valid).toBe("new");
  });

  it("shares the valid copy's verification among its copies even when a forged copy came first", async () => {
    const { guard, security, pending } = setup();
    const all = [guard.admitOffLoop(signed("m", "BAD"), ["m"], "10.0.0.1", "mallory", security), guard.admitOffLoop(signed("m", "GOOD"), ["m"], "10.0.0.2", "bob", security)];
    // Another honest copy: dropped unparsed, not verified again (a forger racing every message cannot
    // make each of its copies cost a verification).
    expect(guard.isVerifying("m", "GOOD")).toBe(true);
    expect(guard.isVerifying("m", "BAD")).toBe(true);
    all.push(guard.admitOffLoop(signed("m", "GOOD"), ["m"], "10.0.0.3", "carol", security));
    expect(pending).toHaveLength(2);
    pending[0]!.end(false);
    pending[1]!.end(true);
    expect(await Promise.all(all)).toEqual(["forged", "new", "duplicate"]);
    expect(guard.isVerifying("m", "GOOD")).toBe(false);
  });

  it(`verifies on the event loop past ${MAX_VERIFICATIONS_OFF_LOOP} verifications in flight, dropping nothing`, async () => {
    const { guard, security, pending, syncVerifies } = setup();
    const all: Array<Promise<Admission> | Admission> = [];
    for (let i = 0; i <= MAX_VERIFICATIONS_OFF_LOOP; i++) all.push(guard.admitOffLoop(signed(`m${i}`), [`m${i}`], "10.0.0.1", "bob", security));
    expect(pending).toHaveLength(MAX_VERIFICATIONS_OFF_LOOP);
    expect(syncVerifies()).toBe(1);
    for (const p of pending) p.end(true);
    expect(new Set(await Promise.all(all))).toEqual(new Set(["new"]));
    expect(guard.verificationsOffLoop).toBe(0);
  });

  it("after clear() (the plugin stopping), a verification that ends concludes and records nothing", async () => {
    const { guard, security, pending } = setup();
    let concluded = false;
    void (guard.admitOffLoop(signed("late"), ["late"], "10.0.0.1", "bob", security) as Promise<Admission>).then(() => (concluded = true));
    guard.clear();
    pending[0]!.end(true);
    await turn();
    expect(concluded).toBe(false);
    expect(guard.seen.has("late", 0)).toBe(false);
    expect(guard.verificationsOffLoop).toBe(0);
  });

  it("decides at once what needs no verification: stale, unsigned", () => {
    const { guard, security, clock } = setup();
    clock.advance(DEFAULT_LIMITS.maxClockSkewMs + 1);
    expect(guard.admitOffLoop(signed("old"), ["old"], "10.0.0.1", "bob", security)).toBe("dropped");
    const unsigned = { ...signed("u", undefined), signature: undefined, time: clock.now() };
    expect(guard.admitOffLoop(unsigned, ["u"], "10.0.0.1", "bob", security)).toBe("new");
  });
  it("does not drop a copy as being verified when the admissions waiting could fill the seen-cache: a hostile first copy cannot sink an honest one", async () => {
    const guard = new ReplayGuard({ ...DEFAULT_LIMITS, seenCacheSize: 4 }, new FakeClock(0), new MemoryLogger());
    const { security, pending } = fakeSecurity();
    // Mallory's address holds 3 of the 4 slots, sends a filler, then relays m first.
    for (const id of ["x1", "x2", "x3"]) guard.markSeen([id], "BROADCAST", "10.6.6.6");
    const all = [guard.admitOffLoop(signed("f"), ["f"], "10.6.6.6", "mallory", security), guard.admitOffLoop(signed("m"), ["m"], "10.6.6.6", "mallory", security)];
    // Bob's copy of m: dropped unparsed (Handlers.known) while the guard says it is being verified.
    if (!guard.isVerifying("m", "S")) all.push(guard.admitOffLoop(signed("m"), ["m"], "10.0.0.2", "bob", security));
    for (const p of pending) p.end(true);
    const [filler, ...copies] = await Promise.all(all);
    expect(filler).toBe("new");
    // Mallory's copy is refused for its source's share; Bob's, charged to Bob, is admitted.
    expect(copies).toEqual(["dropped", "new"]);
    expect(guard.seen.has("m", 0)).toBe(true);
  });

  it(`keeps at most ${MAX_ADMISSIONS_WAITING} admissions waiting behind a verification that does not end: past that, concluded at once`, async () => {
    const { guard, security, pending, syncVerifies } = setup();
    const all: Array<Promise<Admission> | Admission> = [];
    for (let i = 0; i < MAX_ADMISSIONS_WAITING; i++) all.push(guard.admitOffLoop(signed(`m${i}`), [`m${i}`], "10.0.0.1", "bob", security));
    expect(all.every((a) => a instanceof Promise)).toBe(true);
    // The thread pool is stuck (nothing ends): the next one does not pile up behind it.
    expect(guard.admitOffLoop(signed("late"), ["late"], "10.0.0.1", "bob", security)).toBe("new");
    expect(syncVerifies()).toBe(MAX_ADMISSIONS_WAITING - MAX_VERIFICATIONS_OFF_LOOP + 1);
    for (const p of pending) p.end(true);
    expect(new Set(await Promise.all(all))).toEqual(new Set(["new"]));
  });
});
