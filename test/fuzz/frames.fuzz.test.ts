// Fuzzing the frame path: FrameDecoder, parseEnvelope, and a real node over TCP on 127.0.0.1.
// fast-check prints the seed and the shrunk counterexample of a failing property; replay one with
// FUZZ_SEED=<seed> npx vitest run test/fuzz.
import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { encodeEnvelope, parseEnvelope, signedMessageId } from "../../src/base/envelope.js";
import { FrameTooLargeError } from "../../src/base/errors.js";
import type { BroadcastEvent, TestEvent } from "../../src/kernel/node-events.js";
import { FrameDecoder } from "../../src/transport/frame-decoder.js";
import { TcpNodes, waitUntil } from "../integration/tcp-nodes.js";
import {
  expectedOk,
  FUZZ_SEED,
  junkBytes,
  mutant,
  name,
  params,
  satisfiesEnvelopeRules,
  signedMutant,
  splitAt,
  text,
  unicodePayload,
  validEnvelope,
  validSignedFrame,
  type EnvelopeShape,
  type SignedFrameShape,
} from "./arbitraries.js";

if (FUZZ_SEED !== undefined) console.log(`[fuzz] FUZZ_SEED=${FUZZ_SEED}`);

const MiB = 1024 * 1024;

describe("FrameDecoder (property)", () => {
  /** Frames with their text, encoded as NDJSON with \n or \r\n and stray empty lines. */
  const stream = fc.array(
    fc.record({ envelope: validEnvelope(), crlf: fc.boolean(), blankLinesAfter: fc.nat({ max: 2 }) }),
    { minLength: 1, maxLength: 25 },
  ).map((items) => {
    const texts = items.map((i) => JSON.stringify(i.envelope));
    const wire = items.map((i, n) => texts[n] + (i.crlf ? "\r\n" : "\n") + "\n".repeat(i.blankLinesAfter)).join("");
    return { texts, bytes: Buffer.from(wire, "utf8") };
  });

  function decodeAll(decoder: FrameDecoder, pieces: readonly Buffer[]): string[] {
    const lines: string[] = [];
    for (const piece of pieces) {
      decoder.feed(piece, (line) => lines.push(line));
      expect(decoder.bufferedBytes).toBeLessThanOrEqual(MiB + 1);
    }
    expect(decoder.end()).toBeUndefined();
    return lines;
  }

  it("decodes any list of valid envelopes, split at arbitrary byte boundaries, to exactly the original frames", () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 40 }), ({ texts, bytes }, cuts) => {
        const lines = decodeAll(new FrameDecoder(MiB), splitAt(bytes, cuts));
        expect(lines).toEqual(texts);
        for (const [n, line] of lines.entries()) {
          const parsed = parseEnvelope(line);
          expect(parsed.ok).toBe(true);
          if (parsed.ok) expect(parsed.envelope).toEqual(JSON.parse(texts[n]!));
        }
      }),
      params(400),
    );
  });

  it("decodes the same frames fed one byte at a time (every cut inside every multi-byte character)", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ msg: unicodePayload, originator: name, n: fc.nat() }), { minLength: 1, maxLength: 6 }), (items) => {
        const texts = items.map((i) => JSON.stringify({ msg_type: "TEST", msg: i.msg, originator: i.originator, time: i.n }));
        const bytes = Buffer.from(texts.map((t) => t + "\n").join(""), "utf8");
        const pieces = Array.from({ length: bytes.length }, (_, k) => bytes.subarray(k, k + 1));
        expect(decodeAll(new FrameDecoder(MiB), pieces)).toEqual(texts);
      }),
      params(150),
    );
  });

  it("on arbitrary bytes holds at most maxFrameBytes + 1 and throws nothing but FrameTooLargeError", () => {
    const max = 64;
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 20 }), (chunks) => {
        const decoder = new FrameDecoder(max);
        for (const chunk of chunks) {
          try {
            for (const line of decoder.push(Buffer.from(chunk))) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(max * 3);
          } catch (error) {
            expect(error).toBeInstanceOf(FrameTooLargeError);
          }
          expect(decoder.bufferedBytes).toBeLessThanOrEqual(max + 1);
        }
      }),
      params(500),
    );
  });
});

describe("parseEnvelope (property)", () => {
  /** parseEnvelope never throws, leaves Object.prototype alone, and answers ok exactly as the rules say. */
  function judge(frame: string): ReturnType<typeof parseEnvelope> {
    let result: ReturnType<typeof parseEnvelope> | undefined;
    expect(() => (result = parseEnvelope(frame))).not.toThrow();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(result!.ok, `parseEnvelope(${JSON.stringify(frame.slice(0, 300))}) gave ${JSON.stringify(result).slice(0, 300)}`).toBe(expectedOk(frame));
    if (result!.ok) {
      // A signed frame's envelope is its text's, with the hash as id, plus the signature.
      const { signature: _signature, ...fields } = result!.envelope;
      expect(satisfiesEnvelopeRules(fields)).toBe(true);
    }
    else expect(result!.reason).toEqual(expect.any(String));
    return result!;
  }

  it("never throws on arbitrary strings", () => {
    const jsonish = fc.string({ unit: fc.constantFrom(..."{}[]\":,0123456789.eE-+truefalsnl \\u_protoc".split("")), maxLength: 80 });
    fc.assert(fc.property(fc.oneof(text(0, 200), fc.string({ maxLength: 200 }), jsonish), (s) => void judge(s)), params(5000));
  });

  it("never throws on arbitrary JSON values, and accepts exactly those with the envelope's shape", () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => void judge(JSON.stringify(value))), params(1000));
    // Arbitrary objects built from the envelope's own keys, so that near-misses are common.
    const nearMiss = fc.record(
      {
        msg_type: fc.oneof(name, fc.jsonValue({ maxDepth: 1 })),
        msg: fc.jsonValue({ maxDepth: 2 }),
        originator: fc.oneof(name, fc.jsonValue({ maxDepth: 1 })),
        time: fc.oneof(fc.double(), fc.jsonValue({ maxDepth: 1 })),
        id: fc.oneof(name, fc.jsonValue({ maxDepth: 1 })),
        to: fc.oneof(name, fc.jsonValue({ maxDepth: 1 })),
        ttl: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double(), fc.jsonValue({ maxDepth: 1 })),
      },
      { requiredKeys: [] },
    );
    fc.assert(fc.property(nearMiss, (value) => void judge(JSON.stringify(value))), params(2000));
  });

  it("accepts every valid envelope and returns it unchanged", () => {
    fc.assert(
      fc.property(validEnvelope(), (envelope: EnvelopeShape) => {
        const frame = JSON.stringify(envelope);
        const result = judge(frame);
        expect(result.ok).toBe(true);
        if (result.ok) expect(result.envelope).toEqual(JSON.parse(frame));
      }),
      params(1000),
    );
  });

  it("accepts every valid signed frame, giving the signed text's envelope with the outer ttl", () => {
    fc.assert(
      fc.property(validSignedFrame, (frame: SignedFrameShape) => {
        const result = judge(JSON.stringify(frame));
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.envelope).toEqual({ ...(JSON.parse(frame.signed) as object), ttl: frame.ttl, id: signedMessageId(frame.signed), signature: { text: frame.signed, sig: frame.sig } });
        expect(JSON.parse(encodeEnvelope(result.envelope))).toEqual(frame);
      }),
      params(1000),
    );
  });

  it("never throws on a signed frame with one thing broken, and rejects every breaking mutation", () => {
    fc.assert(
      fc.property(signedMutant, ({ text: frame, mutation, mustReject }) => {
        const result = judge(frame);
        if (mustReject) expect(result.ok, `mutation "${mutation}" was accepted`).toBe(false);
      }),
      params(2000),
    );
  });

  it("never throws on a valid envelope with one field broken, and rejects every breaking mutation", () => {
    fc.assert(
      fc.property(mutant(), ({ text: frame, mutation, mustReject }) => {
        const result = judge(frame);
        if (mustReject) expect(result.ok, `mutation "${mutation}" was accepted`).toBe(false);
      }),
      params(4000),
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// A real node under fire.

const nodes = new TcpNodes();
const clients = new Set<Socket>();
let sink: Server | undefined;

afterEach(async () => {
  for (const socket of clients) socket.destroy();
  clients.clear();
  await nodes.shutdown();
});
afterAll(async () => {
  if (sink) await new Promise<void>((resolve) => sink!.close(() => resolve()));
});

/** A server on 127.0.0.1 that accepts and drops connections: the address fuzz peers claim, so that nothing is ever dialled elsewhere. */
async function sinkPort(): Promise<number> {
  if (!sink) {
    sink = createServer((socket) => socket.destroy());
    sink.listen(0, "127.0.0.1");
    await once(sink, "listening");
  }
  return (sink.address() as { port: number }).port;
}

/** A raw client socket that reads (and keeps) everything the node sends. */
async function client(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const socket = connect({ host: "127.0.0.1", port });
  clients.add(socket);
  socket.setNoDelay(true);
  socket.on("error", () => {});
  let data = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    if (data.length < 1_000_000) data += chunk;
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => {
    clients.delete(socket);
    resolve();
  }));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return { socket, received: () => data, closed };
}

const ping = (id: string, port: number) => JSON.stringify({ msg_type: "PING", msg: { id, host: "127.0.0.1", port }, originator: id, time: Date.now() });

/** Sends a PING on a fresh connection and waits for the PONG. */
async function probe(port: number, id: string): Promise<void> {
  const c = await client(port);
  c.socket.write(ping(id, await sinkPort()) + "\n");
  await waitUntil(() => /"msg_type":"PONG"/.test(c.received()), `a PONG to ${id}`, 10_000);
  c.socket.destroy();
  await c.closed;
}

/** Resolves when the socket drains or closes (an error is expected: the node may reset a hostile connection). */
function drainedOrClosed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.on("drain", done);
    socket.on("close", done);
    if (socket.destroyed) done();
  });
}

/** Writes pieces one by one, yielding to the event loop between them (so they tend to leave as separate segments). */
async function writePieces(socket: Socket, pieces: readonly Buffer[], pauseEvery = 1): Promise<void> {
  for (const [n, piece] of pieces.entries()) {
    if (socket.destroyed) return;
    if (piece.length > 0 && !socket.write(piece)) await drainedOrClosed(socket);
    if (n % pauseEvery === 0) await (n % 7 === 0 ? sleep(1) : new Promise((resolve) => setImmediate(resolve)));
  }
}

describe("a node under random and mutated frames (fuzz over TCP)", { timeout: 120_000 }, () => {
  it("does not crash or throw, still answers PING, still decodes split frames exactly, and still talks to a well-behaved node", async () => {
    // Every fuzz connection comes from 127.0.0.1: the per-address caps are lifted to the peer limits.
    const limits = { maxBadFrames: 40, maxFrameBytes: 64 * 1024, handshakeMs: 30_000, maxInboundPeersPerAddress: 32, maxInboundPeers: 32 };
    const a = await nodes.start({ id: "fuzz-target", limits: { ...limits, maxPendingPerAddress: 64 } });
    const port = a.address!.port;
    const claimed = await sinkPort();
    const delivered: BroadcastEvent[] = [];
    a.on("broadcast", (event) => delivered.push(event));

    // Frames a hostile peer may send; ADVERTISE_REPLY is left out so that the node never dials anything.
    const types = fc.oneof(fc.constantFrom("TEST", "BROADCAST", "DIRECT", "DIRECT_ACK", "ADVERTISE", "PING", "PONG", "UNKNOWN"), name).map((t) => (t === "ADVERTISE_REPLY" ? "X" : t));
    const frame = fc.oneof(
      { weight: 3, arbitrary: mutant(validEnvelope(types)).map((m) => Buffer.from(m.text + "\n", "utf8")) },
      { weight: 2, arbitrary: junkBytes },
      { weight: 2, arbitrary: validEnvelope(types).map((e) => Buffer.from(JSON.stringify(e) + "\n", "utf8")) },
    );
    let framesSent = 0;
    let connectionsUsed = 0;
    let run = 0;

    await fc.assert(
      fc.asyncProperty(
        fc.array(frame, { minLength: 20, maxLength: 80 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        fc.boolean(),
        fc.constantFrom("end", "destroy", "leave"),
        async (frames, cuts, handshake, ending) => {
          run += 1;
          const c = await client(port);
          connectionsUsed += 1;
          if (handshake) c.socket.write(ping(`fuzz-${run}`, claimed) + "\n");
          await writePieces(c.socket, splitAt(Buffer.concat(frames), cuts), 3);
          framesSent += frames.length;
          if (ending === "end") c.socket.end();
          else if (ending === "destroy") c.socket.destroy();
          // The node answers a PING on a fresh connection after every batch.
          await probe(port, `probe-${run}`);
          expect(nodes.logger.messages("error")).toEqual([]);
        },
      ),
      { ...params(300), endOnFailure: true },
    );
    for (const socket of clients) socket.destroy();
    expect(framesSent).toBeGreaterThan(2000);
    expect(connectionsUsed).toBe(run);
    expect(nodes.logger.entries.filter((e) => e.message === "rejected a frame").length).toBeGreaterThan(500);

    // Valid TEST frames with unique payloads, split at random byte boundaries across writes, arrive exactly.
    const payloads = fc.sample(fc.record({ text: text(0, 30), more: unicodePayload }), { numRuns: 300, ...(FUZZ_SEED === undefined ? {} : { seed: FUZZ_SEED }) }).map((p, n) => ({ n, ...p }));
    const tests: TestEvent[] = [];
    a.on("test", (event) => tests.push(event));
    const sender = await client(port);
    const wire = Buffer.from(payloads.map((msg) => JSON.stringify({ msg_type: "TEST", msg, originator: "splitter", time: msg.n }) + "\n").join(""), "utf8");
    const cuts = fc.sample(fc.nat({ max: wire.length }), { numRuns: Math.ceil(wire.length / 40), ...(FUZZ_SEED === undefined ? {} : { seed: FUZZ_SEED }) });
    await writePieces(sender.socket, splitAt(wire, cuts));
    await waitUntil(() => tests.length >= payloads.length, `${payloads.length} TEST frames (got ${tests.length})`, 20_000);
    expect(tests.map((t) => t.msg)).toEqual(payloads.map((p) => JSON.parse(JSON.stringify(p))));
    expect(tests.every((t) => t.originator === "splitter")).toBe(true);
    sender.socket.destroy();

    // Afterwards: every fuzz connection is gone, the node answers PING, and a well-behaved node exchanges broadcasts with it.
    await waitUntil(() => a.connections.connections().length === 0, `the fuzz connections to close (${a.connections.connections().length} open)`, 20_000);
    await probe(port, "final-probe");
    const b = await nodes.start({ id: "well-behaved", bootstrap: [{ host: "127.0.0.1", port }] });
    const atB: BroadcastEvent[] = [];
    b.on("broadcast", (event) => atB.push(event));
    await waitUntil(() => a.peers.find("well-behaved")?.connected === true, "b to connect to a");
    const fromB = b.broadcast({ text: "hello after the fuzz" });
    const fromA = a.broadcast({ text: "hello back" });
    await waitUntil(() => delivered.some((e) => e.id === fromB), "a to deliver b's broadcast");
    await waitUntil(() => atB.some((e) => e.id === fromA), "b to deliver a's broadcast");
    expect(atB.filter((e) => e.id === fromA)).toHaveLength(1);
    expect(delivered.filter((e) => e.id === fromB)).toHaveLength(1);
    expect(nodes.logger.messages("error")).toEqual([]);
  });
});
