// Issue 11, item 8: key-derived ids as a person sees them, and /msg targets resolved from what they typed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { abbreviatePeerId, isIdPrefix, MIN_PREFIX_LENGTH, shownName } from "../../src/cli/peer-names.js";
import { AmbiguousTargetError, LegacyTargetError, resolveMsgTarget, UnknownTargetError } from "../../src/cli/msg-command.js";
import type { KnownPeer } from "../../src/cli/known-peers.js";
import { base32Encode } from "../../src/secure/base32.js";
import { isPeerId } from "../../src/secure/peer-id.js";

/** A well-formed key-derived id whose 32 key bytes start with `head` (the rest filled with `fill`). */
function idOf(head: readonly number[], fill = 0): string {
  const bytes = Buffer.alloc(32, fill);
  Buffer.from(head).copy(bytes);
  return `pk_${base32Encode(bytes)}`;
}

// 5 equal bytes are 8 equal base32 characters; the 6th byte decides the 9th and 10th.
const A = idOf([1, 2, 3, 4, 5, 0x00]);
const B = idOf([1, 2, 3, 4, 5, 0xff]);
const C = idOf([9, 9, 9, 9, 9]);
const RFC8032 = "pk_25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkena";

function peer(id: string, extra: Partial<KnownPeer> = {}): KnownPeer {
  return { id, legacy: false, connected: true, ...extra };
}

describe("abbreviatePeerId", () => {
  it("shows a key-derived id as pk_ and 8 characters when no other known id shares them", () => {
    expect([A, B, C, RFC8032].every((id) => isPeerId(id))).toBe(true);
    expect(abbreviatePeerId(RFC8032, [])).toBe("pk_25njqamc");
    expect(abbreviatePeerId(C, [A, B, C])).toBe(C.slice(0, MIN_PREFIX_LENGTH));
  });

  it("lengthens the prefix until no other known id starts with it", () => {
    expect(A.slice(0, 11)).toBe(B.slice(0, 11));
    const a = abbreviatePeerId(A, [A, B, C]);
    const b = abbreviatePeerId(B, [A, B, C]);
    expect(a).not.toBe(b);
    expect(B.startsWith(a)).toBe(false);
    expect(A.startsWith(b)).toBe(false);
    const shared = [...A].findIndex((ch, i) => ch !== B[i]);
    expect(shared).toBeGreaterThanOrEqual(11);
    expect([a.length, b.length]).toEqual([shared + 1, shared + 1]);
  });

  it("counts any known id, a chosen one that looks like a prefix included, and shows the whole id when nothing shorter is unique", () => {
    const lookAlike = RFC8032.slice(0, 11);
    expect(abbreviatePeerId(RFC8032, [lookAlike])).toBe(RFC8032.slice(0, 12));
    expect(abbreviatePeerId(RFC8032, [`${RFC8032}x`])).toBe(RFC8032);
  });

  it("shows any other id whole: a chosen id is a claim, and a prefix of it could read like another", () => {
    expect(abbreviatePeerId("alice", [])).toBe("alice");
    expect(abbreviatePeerId("3f2a9c0d1e2f3a4b5c6d7e8f", [])).toBe("3f2a9c0d1e2f3a4b5c6d7e8f");
    expect(abbreviatePeerId("pk_not-a-key", [])).toBe("pk_not-a-key");
  });

  it("is always the shortest prefix of at least 11 characters that no other known id starts with", () => {
    const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
    // Few distinct leading bytes, so that shared prefixes are common.
    const near = fc.tuple(fc.constantFrom(0, 1), fc.uint8Array({ minLength: 27, maxLength: 27 })).map(([b, rest]) => Uint8Array.from([7, 7, 7, 7, b, ...rest]));
    fc.assert(
      fc.property(fc.array(fc.oneof(key, near), { minLength: 1, maxLength: 12 }), (keys) => {
        const ids = [...new Set(keys.map((k) => `pk_${base32Encode(k)}`))];
        for (const id of ids) {
          expect(isPeerId(id)).toBe(true);
          const short = abbreviatePeerId(id, ids);
          expect(id.startsWith(short)).toBe(true);
          expect(short.length).toBeGreaterThanOrEqual(MIN_PREFIX_LENGTH);
          const clash = (prefix: string): boolean => ids.some((other) => other !== id && other.startsWith(prefix));
          if (short !== id) expect(clash(short)).toBe(false);
          if (short.length > MIN_PREFIX_LENGTH) expect(clash(short.slice(0, -1))).toBe(true);
        }
      }),
    );
  });

  it("abbreviates plain text only, so shownName leaves it as it is and a hostile id stays quoted and escaped", () => {
    expect(shownName(abbreviatePeerId(A, [A]))).toBe(A.slice(0, 11));
    expect(shownName(abbreviatePeerId("pk_\u001b[2J", []))).toBe('"pk_\\u001b[2J"');
  });
});

describe("isIdPrefix", () => {
  it("takes pk_ and 8 to 52 base32 characters", () => {
    expect(isIdPrefix("pk_25njqamc")).toBe(true);
    expect(isIdPrefix(RFC8032)).toBe(true);
    expect(isIdPrefix("pk_25njqam")).toBe(false);
    expect(isIdPrefix("pk_25njqamC")).toBe(false);
    expect(isIdPrefix(`${RFC8032}a`)).toBe(false);
    expect(isIdPrefix("25njqamcwe")).toBe(false);
  });
});

describe("resolveMsgTarget", () => {
  const secure = { insecure: false };
  const known = [peer(A, { nick: "alice" }), peer(B, { nick: "bob" }), peer(C, { connected: false })];

  it("sends a full key-derived id as it is, known or not", () => {
    expect(resolveMsgTarget(RFC8032, known, secure)).toEqual({ to: RFC8032 });
    expect(resolveMsgTarget(C, known, secure)).toEqual({ to: C, peer: known[2] });
  });

  it("resolves the handshake nick of a connected peer, and a unique id prefix of a known one", () => {
    expect(resolveMsgTarget("alice", known, secure).to).toBe(A);
    expect(resolveMsgTarget(C.slice(0, 11), known, secure).to).toBe(C);
    expect(resolveMsgTarget(abbreviatePeerId(B, [A, B, C]), known, secure).to).toBe(B);
  });

  it("refuses a prefix two known ids share, naming both with their nicks, and sends nothing", () => {
    const attempt = (): unknown => resolveMsgTarget(A.slice(0, 11), known, secure);
    expect(attempt).toThrow(AmbiguousTargetError);
    try {
      attempt();
    } catch (error) {
      const ambiguous = error as AmbiguousTargetError;
      expect(ambiguous.code).toBe("ERR_AMBIGUOUS_TARGET");
      expect(ambiguous.candidates.map((p) => p.id)).toEqual([A, B]);
      expect(ambiguous.message).toContain(`${abbreviatePeerId(A, [A, B, C])} (alice), ${abbreviatePeerId(B, [A, B, C])} (bob)`);
    }
  });

  it("refuses a nick two connected peers gave, and a nick that is also another peer's id prefix", () => {
    const twins = [peer(A, { nick: "twin" }), peer(C, { nick: "twin" })];
    expect(() => resolveMsgTarget("twin", twins, secure)).toThrow(/"twin" matches 2 peers: pk_\w+ \(twin\), pk_\w+ \(twin\)/);
    // A nick can be any short word, a shown id prefix included: it must not take that peer's messages.
    const squatter = [peer(C), peer(A, { nick: C.slice(0, 11) })];
    expect(() => resolveMsgTarget(C.slice(0, 11), squatter, secure)).toThrow(AmbiguousTargetError);
  });

  it("on a secure node, refuses an unknown nick, an unknown prefix and a prefix too short to be safe", () => {
    expect(() => resolveMsgTarget("carol", known, secure)).toThrow(UnknownTargetError);
    expect(() => resolveMsgTarget("carol", known, secure)).toThrow(/"carol" is the nick of no connected peer/);
    expect(() => resolveMsgTarget("pk_77777777", known, secure)).toThrow(/is the start of no known peer's id/);
    expect(() => resolveMsgTarget(C.slice(0, 8), known, secure)).toThrow(/pk_ and at least 8/);
    // Nicks are matched exactly.
    expect(() => resolveMsgTarget("Alice", known, secure)).toThrow(UnknownTargetError);
  });

  it("on an --insecure node, takes a known chosen id exactly and sends anything it does not know as it is", () => {
    const insecure = { insecure: true };
    const chosen = [peer("bob", { nick: "robert" }), peer("mallory", { nick: "bob" })];
    // The id wins over another peer's nick that spells it.
    expect(resolveMsgTarget("bob", chosen, insecure)).toEqual({ to: "bob", peer: chosen[0] });
    expect(resolveMsgTarget("robert", chosen, insecure).to).toBe("bob");
    expect(resolveMsgTarget("far-away-node", chosen, insecure)).toEqual({ to: "far-away-node" });
  });

  it("refuses a connected legacy peer, which has no one-to-one messages", () => {
    const legacy = [peer("py-5001", { legacy: true })];
    expect(() => resolveMsgTarget("py-5001", legacy, secure)).toThrow(LegacyTargetError);
    expect(() => resolveMsgTarget("py-5001", legacy, secure)).toThrow(/legacy peer/);
  });

  it("lists at most 8 candidates, their ids made safe to print", () => {
    const many = Array.from({ length: 11 }, (_, i) => peer(i === 0 ? "x\u202Eevil" : `n${i}`, { nick: "same" }));
    try {
      resolveMsgTarget("same", many, { insecure: true });
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain("matches 11 peers");
      expect(message).toContain("and 3 more");
      expect(message).toContain('"x\\u202eevil" (same)');
      expect(message).not.toContain("\u202E");
    }
  });
});
