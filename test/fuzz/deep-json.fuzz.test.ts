// Structure-aware fuzzing of hostile JSON (issue 9, item 1): nesting thousands deep, long arrays, many
// keys, escapes, lone surrogates, numbers at the edges, forbidden keys at depth; through parseEnvelope and
// through a real node over TCP on 127.0.0.1. On 9f3bddc both properties fail at once (the recursive key
// scan overflows the stack: a RangeError from parseEnvelope, an uncaught one in the node).
// Replay a failure with FUZZ_SEED=<seed> npx vitest run test/fuzz/deep-json.fuzz.test.ts.
import { connect, type Socket } from "node:net";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { checkJsonValue, parseEnvelope, type ParseResult } from "../../src/base/envelope.js";
import type { TestEvent } from "../../src/kernel/node-events.js";
import { TcpNodes, waitUntil } from "../integration/tcp-nodes.js";
import { expectedOk, MAX_JSON_DEPTH, params } from "./arbitraries.js";
import { described, hostileFrame, issueFrame, type HostileFrame } from "./deep-json.js";

/** The verdict by construction: accepted iff not too deep, no forbidden key, and the envelope's shape right. */
function verdict(frame: HostileFrame, maxDepth: number): boolean {
  return frame.depth <= maxDepth && !frame.forbidden && frame.shapeOk;
}

const depthLimits = fc.constantFrom<number | undefined>(undefined, 2, 3, 10, 64, 65, 100, 1000);

describe("parseEnvelope on structured hostile JSON (property)", () => {
  const issue = (inner: string): HostileFrame => described({ text: issueFrame(inner), depth: 4001, forbidden: false, shapeOk: true, placement: "msg" });

  it("never throws, and accepts exactly the frames within the depth limit, without a forbidden key, of the envelope's shape", () => {
    let deep = 0;
    let accepted = 0;
    fc.assert(
      fc.property(hostileFrame(), depthLimits, (frame, limit) => {
        const maxDepth = limit ?? MAX_JSON_DEPTH;
        // The generator makes valid JSON text, and its bookkeeping agrees with the value-level oracle.
        const value: unknown = JSON.parse(frame.text);
        const expected = verdict(frame, maxDepth);
        expect(expectedOk(frame.text, maxDepth), "the oracle disagrees with the construction").toBe(expected);

        let result: ParseResult | undefined;
        expect(() => (result = parseEnvelope(frame.text, limit === undefined ? {} : { maxJsonDepth: limit }))).not.toThrow();
        expect(result!.ok, `${frame.placement} depth=${frame.depth} forbidden=${frame.forbidden} shapeOk=${frame.shapeOk} limit=${maxDepth}: ${frame.text.slice(0, 200)}`).toBe(expected);
        if (!result!.ok && frame.depth > maxDepth && !frame.forbidden) expect(result!.reason).toContain(`limits.maxJsonDepth (${maxDepth})`);

        // The exported check of a parsed value, which other dialects use, says the same.
        const check = checkJsonValue(value, maxDepth);
        expect(check === undefined).toBe(frame.depth <= maxDepth && !frame.forbidden);
        if (frame.depth > maxDepth) deep += 1;
        if (expected) accepted += 1;
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { ...params(400), examples: [[issue('"\\u0041"'), undefined], [issue('"constructor"'), undefined], [issue('"\\u0041"'), 1000]] },
    );
    // Both sides of the limit are exercised.
    expect(deep).toBeGreaterThan(40);
    expect(accepted).toBeGreaterThan(40);
  });
});

const nodes = new TcpNodes();
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await nodes.shutdown();
});

function rawClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    sockets.push(socket);
    socket.on("error", () => {});
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

describe("a node fed structured hostile JSON over TCP (fuzz)", { timeout: 60_000 }, () => {
  it("never throws or logs an error, delivers exactly the frames the oracle accepts, rejects the deep ones naming limits.maxJsonDepth, and still lets an honest node join", async () => {
    const a = await nodes.start({ id: "fuzz-target", limits: { maxBadFrames: 1_000_000, handshakeMs: 60_000 } });
    const port = a.address!.port;
    const delivered: TestEvent[] = [];
    a.on("test", (event) => delivered.push(event));
    let run = 0;
    let framesSent = 0;

    // The originator and a current time are filled in at send time, so that only the value is hostile.
    const frames = fc.array(hostileFrame(fc.constant("@@"), fc.constant({ text: "0", finite: true })), { minLength: 3, maxLength: 20 });
    await fc.assert(
      fc.asyncProperty(frames, async (batch) => {
        run += 1;
        const texts = batch.map((frame, n) => (frame.placement === "whole" ? frame.text : frame.text.replace(/"originator":"@@","time":0\}$/, `"originator":"r${run}-${n}","time":${Date.now()}}`)));
        const socket = await rawClient(port);
        const remote = `127.0.0.1:${socket.localPort}`;
        const rejections = () => nodes.logger.entries.filter((e) => e.message === "rejected a frame" && e.fields.remote === remote);
        const mine = () => delivered.filter((e) => e.originator.startsWith(`r${run}-`));
        socket.write(texts.map((t) => t + "\n").join(""));
        framesSent += texts.length;
        await waitUntil(() => mine().length + rejections().length >= texts.length, `run ${run}: ${texts.length} frames to be delivered or rejected`, 20_000);
        socket.destroy();

        const expected = batch.flatMap((frame, n) => (verdict(frame, MAX_JSON_DEPTH) ? [`r${run}-${n}`] : []));
        expect(mine().map((e) => e.originator)).toEqual(expected);
        const rejected = batch.filter((frame) => !verdict(frame, MAX_JSON_DEPTH));
        const reasons = rejections().map((e) => String(e.fields.reason));
        expect(reasons).toHaveLength(rejected.length);
        rejected.forEach((frame, i) => {
          if (frame.depth > MAX_JSON_DEPTH && !frame.forbidden) expect(reasons[i]).toContain(`limits.maxJsonDepth (${MAX_JSON_DEPTH})`);
        });
        expect(nodes.logger.messages("error")).toEqual([]);
      }),
      { ...params(25), endOnFailure: true },
    );
    expect(framesSent).toBeGreaterThan(100);

    const b = await nodes.start({ id: "honest" });
    await expect(b.join("127.0.0.1", port)).resolves.toMatchObject({ id: "fuzz-target" });
    expect(nodes.logger.messages("error")).toEqual([]);
  });
});
