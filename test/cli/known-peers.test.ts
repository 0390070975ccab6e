// Issue 11, items 6 and 8: which peers the chat knows by name, and how the printers show them.
import { describe, expect, it } from "vitest";
import { isLegacyMessage, KnownPeers, NO_PEERS } from "../../src/cli/known-peers.js";
import { HumanPrinter, JsonPrinter } from "../../src/cli/output.js";
import type { PeerRecord } from "../../src/base/peer.js";
import type { Envelope } from "../../src/base/envelope.js";
import { base32Encode } from "../../src/secure/base32.js";

function idOf(head: readonly number[]): string {
  const bytes = Buffer.alloc(32);
  Buffer.from(head).copy(bytes);
  return `pk_${base32Encode(bytes)}`;
}

const ALICE = idOf([1, 2, 3, 4, 5, 6]);
const ALICE_TWIN = idOf([1, 2, 3, 4, 5, 7]);
const BOB = idOf([200, 1]);

function row(id: string, extra: Partial<PeerRecord> = {}): PeerRecord {
  return { id, host: "127.0.0.1", port: 7001, connected: true, lastSeen: 0, ...extra };
}

function table(rows: PeerRecord[]): { rows: PeerRecord[]; connected(): PeerRecord[] } {
  return { rows, connected: () => rows.map((r) => ({ ...r })) };
}

function sink(): { text: string; write(chunk: string): void } {
  return {
    text: "",
    write(chunk: string) {
      this.text += chunk;
    },
  };
}

function envelope(originator: string, msg: unknown, extra: Record<string, unknown> = {}): Envelope {
  return { msg_type: "BROADCAST", msg, originator, time: 0, id: "m1", ...extra } as Envelope;
}

describe("KnownPeers", () => {
  it("knows the connected peers with their handshake nicks, and the peers it was told it saw", () => {
    const peers = table([row(ALICE, { nick: "alice" }), row("py-5001", { dialect: "legacy" }), row(BOB, { nick: "not a nick!" })]);
    const known = new KnownPeers(peers);
    known.remember(idOf([9]));
    expect(known.list()).toEqual([
      { id: ALICE, nick: "alice", legacy: false, connected: true },
      { id: "py-5001", legacy: true, connected: true },
      // A nick that may not be shown is not resolved either.
      { id: BOB, legacy: false, connected: true },
      { id: idOf([9]), legacy: false, connected: false },
    ]);
    expect(known.nickOf(ALICE)).toBe("alice");
    expect(known.nickOf(BOB)).toBeUndefined();
    expect(known.isLegacy("py-5001")).toBe(true);
  });

  it("forgets a peer's nick when it disconnects, keeps its id among the seen, and whether it spoke legacy", () => {
    const peers = table([row(ALICE, { nick: "alice" }), row("py-5001", { dialect: "legacy" })]);
    const known = new KnownPeers(peers);
    known.remember(ALICE, false);
    known.remember("py-5001", true);
    known.remember("py-5001"); // a later message from it leaves the flag as it was
    peers.rows.length = 0;
    expect(known.list()).toEqual([
      { id: ALICE, legacy: false, connected: false },
      { id: "py-5001", legacy: true, connected: false },
    ]);
    expect(known.nickOf(ALICE)).toBeUndefined();
    expect(known.isLegacy("py-5001")).toBe(true);
  });

  it("remembers at most its capacity of peers seen, forgetting the one seen longest ago", () => {
    const known = new KnownPeers(table([]), 3);
    for (const id of ["a", "b", "c"]) known.remember(id);
    known.remember("a"); // seen again: now the most recent
    known.remember("d");
    expect(known.list().map((p) => p.id)).toEqual(["c", "a", "d"]);
    for (let i = 0; i < 1000; i++) known.remember(`flood-${i}`);
    expect(known.list()).toHaveLength(3);
  });

  it("abbreviates an id among the connected and the remembered peers alike", () => {
    const known = new KnownPeers(table([row(ALICE)]));
    expect(known.abbreviate(ALICE)).toBe(ALICE.slice(0, 11));
    // The two keys differ first in bit 47: in the 10th base32 character.
    known.remember(ALICE_TWIN);
    expect(known.abbreviate(ALICE)).toBe(ALICE.slice(0, 13));
    expect(known.abbreviate(ALICE_TWIN)).toBe(ALICE_TWIN.slice(0, 13));
    expect(known.abbreviate("chosen-id")).toBe("chosen-id");
  });
});

describe("isLegacyMessage", () => {
  it("is true for a message that came over the legacy wire, or from a known legacy peer", () => {
    const known = new KnownPeers(table([row("py-5001", { dialect: "legacy" })]));
    expect(isLegacyMessage(envelope(ALICE, { text: "relayed by a Python peer" }, { legacy_time: "Tue Nov 24 16:20:00 2026" }), NO_PEERS)).toBe(true);
    expect(isLegacyMessage(envelope("py-5001", "a TEST"), known)).toBe(true);
    expect(isLegacyMessage(envelope(ALICE, { text: "hi" }), known)).toBe(false);
  });
});

describe("the printers with the known peers", () => {
  const peers = table([row(ALICE, { nick: "alice", port: 7001 }), row("py-5001", { dialect: "legacy", port: 5001 })]);
  const known = new KnownPeers(peers);
  known.remember(BOB);

  it("shows a person abbreviated ids, handshake nicks and [legacy], and the full ids in /peers and [listening]", () => {
    const out = sink();
    const printer = new HumanPrinter(out, sink(), () => 0, known);
    const a = ALICE.slice(0, 11);
    printer.listening({ id: ALICE }, { host: "127.0.0.1", port: 7000 });
    printer.peerConnect({ id: ALICE, host: "127.0.0.1", port: 7001 });
    printer.peerConnect({ id: "py-5001", host: "127.0.0.1", port: 5001, dialect: "legacy" });
    printer.broadcast({ id: "m1", originator: ALICE, msg: { text: "hi", nick: "al" }, envelope: envelope(ALICE, { text: "hi", nick: "al" }) });
    const legacyLine = envelope("py-5001", { text: "hello" }, { legacy_time: "Tue Nov 24 16:20:00 2026" });
    printer.broadcast({ id: "m2", originator: "py-5001", msg: { text: "hello" }, envelope: legacyLine });
    printer.test({ originator: "py-5001", msg: "ping", envelope: { ...envelope("py-5001", "ping"), msg_type: "TEST" } });
    printer.direct({ id: "d1", originator: BOB, msg: { text: "psst" }, envelope: envelope(BOB, { text: "psst" }) });
    printer.delivered({ id: "d2", to: ALICE });
    printer.undelivered({ id: "d3", to: BOB, reason: "no acknowledgement" });
    printer.peers(peers.connected());
    printer.peerDisconnect({ id: "py-5001", host: "127.0.0.1", port: 5001, dialect: "legacy" }, "closed");
    expect(out.text.split("\n")).toEqual([
      `[listening] id=${ALICE} 127.0.0.1:7000`,
      `[connect] ${a} 127.0.0.1:7001 nick=alice`,
      "[connect] py-5001 [legacy] 127.0.0.1:5001",
      `<al (${a})> hi`,
      "<py-5001 [legacy]> hello",
      '[test] from py-5001 [legacy]: "ping"',
      `<${BOB.slice(0, 11)}> [private] psst`,
      `[delivered] d2 to alice (${a})`,
      `[undelivered] d3 to ${BOB.slice(0, 11)}: no acknowledgement`,
      "[peers] 2 connected:",
      `  ${ALICE} 127.0.0.1:7001 nick=alice`,
      "  py-5001 [legacy] 127.0.0.1:5001",
      "[disconnect] py-5001 [legacy] 127.0.0.1:5001 (closed)",
      "",
    ]);
  });

  it('marks a legacy peer and a message from the legacy wire with "legacy": true in --json, ids whole', () => {
    const out = sink();
    const printer = new JsonPrinter(out, known);
    printer.peerConnect({ id: "py-5001", host: "127.0.0.1", port: 5001, dialect: "legacy" });
    printer.peerConnect({ id: ALICE, host: "127.0.0.1", port: 7001 });
    printer.broadcast({ id: "m2", originator: ALICE, msg: { text: "relayed" }, envelope: envelope(ALICE, { text: "relayed" }, { legacy_time: 1.5 }) });
    printer.broadcast({ id: "m3", originator: ALICE, msg: { text: "direct" }, envelope: envelope(ALICE, { text: "direct" }) });
    printer.test({ originator: "py-5001", msg: "t", envelope: { ...envelope("py-5001", "t"), msg_type: "TEST" } });
    printer.joined({ id: "py-5001", host: "127.0.0.1", port: 5001, dialect: "legacy" });
    printer.peers(peers.connected());
    printer.peerDisconnect({ id: "py-5001", host: "127.0.0.1", port: 5001, dialect: "legacy" }, "gone");
    const legacyPeer = { id: "py-5001", host: "127.0.0.1", port: 5001, legacy: true };
    expect(out.text.trimEnd().split("\n").map((line) => JSON.parse(line) as unknown)).toEqual([
      { event: "peer:connect", peer: legacyPeer },
      { event: "peer:connect", peer: { id: ALICE, host: "127.0.0.1", port: 7001 } },
      { event: "broadcast", id: "m2", originator: ALICE, msg: { text: "relayed" }, legacy: true },
      { event: "broadcast", id: "m3", originator: ALICE, msg: { text: "direct" } },
      { event: "test", originator: "py-5001", msg: "t", legacy: true },
      { event: "joined", peer: legacyPeer },
      {
        event: "peers",
        peers: [
          { id: ALICE, host: "127.0.0.1", port: 7001, nick: "alice", lastSeen: 0 },
          { id: "py-5001", host: "127.0.0.1", port: 5001, lastSeen: 0, legacy: true },
        ],
      },
      { event: "peer:disconnect", peer: legacyPeer, reason: "gone" },
    ]);
  });
});
