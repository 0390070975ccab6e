// Helpers for the trust attacks (issue 11) on real sockets: each attack runs twice, against secure
// nodes (protocol v2, where it must fail) and against `--insecure` nodes (protocol v1, where it must
// succeed: the control that shows the test can fail). The attacker is a real node of the same protocol
// that completed the handshake with its own identity, and sends frames it builds itself.
import { randomUUID } from "node:crypto";
import { encodeEnvelope, type Envelope } from "../../src/base/envelope.js";
import { SystemClock } from "../../src/base/clock.js";
import type { NodeConfigInput } from "../../src/kernel/config.js";
import type { PeerNode } from "../../src/node/peer-node.js";
import { ephemeralIdentity, type Identity } from "../../src/secure/identity.js";
import { sealTo } from "../../src/secure/sealed-box.js";
import { SequenceCounter, signEnvelope } from "../../src/secure/signing.js";
import type { TcpNodes } from "./tcp-nodes.js";

/** Which protocol a run uses: v2 (secure, the default) or v1 (`security: "none"`, the control). */
export type Protocol = "v2" | "v1";

/** Both protocols, for `describe.each`. */
export const PROTOCOLS: readonly Protocol[] = ["v2", "v1"];

/** Honest nodes run only these plugins: no peer exchange, so no link the test did not make. */
export const HONEST_PLUGINS = ["ping", "broadcast", "direct"];

/**
 * The config of a node under `protocol`: on v1 the id is the chosen `name` (and the node is insecure);
 * on v2 the id is derived from the node's key.
 */
export function configFor(protocol: Protocol, name: string, config: NodeConfigInput = {}): NodeConfigInput {
  return protocol === "v1" ? { plugins: HONEST_PLUGINS, ...config, id: name, security: "none" } : { plugins: HONEST_PLUGINS, ...config };
}

/** Starts an honest node named `name` (its id on v1). */
export function startHonest(nodes: TcpNodes, protocol: Protocol, name: string, config: NodeConfigInput = {}): Promise<PeerNode> {
  return nodes.start(configFor(protocol, name, config));
}

/** Fields an attacker may set on a frame it builds. */
export interface FrameFields {
  to?: string;
  ttl?: number;
}

/**
 * A malicious node: a real node that completed the handshake under its own identity (on v2, a key the
 * test holds), whose plugins are replaced by the test's code. It records every frame it receives.
 */
export class Attacker {
  /** Every frame the attacker received, in order, with the peer it came from. */
  readonly received: Array<{ envelope: Envelope; from: string | undefined }> = [];
  private readonly counter = new SequenceCounter(new SystemClock());

  constructor(
    readonly node: PeerNode,
    readonly protocol: Protocol,
    private readonly identity: Identity | undefined,
  ) {
    node.on("message", (envelope, from) => this.received.push({ envelope, from }));
  }

  /** The attacker's own peer id. */
  get id(): string {
    return this.node.id;
  }

  /** Sends `envelope` as it is (a signed one in the signed wire form) to a bound peer; false when there is none. */
  sendTo(peerId: string, envelope: Envelope): boolean {
    return this.node.connections.connectionOf(peerId)?.send(envelope) ?? false;
  }

  /** A message of the attacker's own, as an honest node of its protocol would make it. */
  own(type: string, msg: unknown, fields: FrameFields = {}): Envelope {
    if (this.identity === undefined) return this.plainClaiming(this.id, type, msg, fields);
    return signEnvelope(this.identity, { msg_type: type, msg, time: Date.now(), seq: this.counter.next(), ...fields });
  }

  /** A DIRECT of the attacker's own to `to`, sealed to it on v2 as an honest node's would be. */
  ownDirect(to: string, msg: unknown, ttl = 5): Envelope {
    const payload = this.identity === undefined ? msg : { box: sealTo(to, Buffer.from(JSON.stringify({ from: this.id, msg }))) };
    return this.own("DIRECT", payload, { to, ttl });
  }

  /**
   * A frame claiming to come from `as`, in the protocol's own form: on v1 a plain envelope naming `as`
   * (all v1 asks for); on v2 the text `{..."originator":as...}` signed by the attacker's own key, since
   * it holds no other.
   */
  claiming(as: string, type: string, msg: unknown, fields: FrameFields = {}): Envelope {
    if (this.identity === undefined) return this.plainClaiming(as, type, msg, fields);
    const own = this.own(type, msg, fields);
    const text = own.signature!.text.replace(JSON.stringify(this.id), JSON.stringify(as));
    return { ...own, originator: as, signature: { text, sig: own.signature!.sig } };
  }

  /** A plain protocol-v1 envelope claiming to come from `as`: on a secure link, the v1 trick replayed. */
  plainClaiming(as: string, type: string, msg: unknown, fields: FrameFields = {}): Envelope {
    const envelope: Envelope = { msg_type: type, msg, originator: as, time: Date.now(), id: randomUUID() };
    if (fields.to !== undefined) envelope.to = fields.to;
    if (fields.ttl !== undefined) envelope.ttl = fields.ttl;
    return envelope;
  }

  /**
   * A copy of a received envelope with `from` replaced by `to` in what travels: the signed text (its
   * signature kept: a relay cannot sign as the originator) on v2, the payload on v1.
   */
  rewritten(envelope: Envelope, from: string, to: string): Envelope {
    const signature = envelope.signature;
    if (signature !== undefined) return { ...envelope, signature: { ...signature, text: signature.text.split(from).join(to) } };
    return { ...envelope, msg: JSON.parse(JSON.stringify(envelope.msg).split(from).join(to)) as unknown };
  }

  /**
   * A copy of a received DIRECT whose payload is `msg`: on v2 a box of the attacker's own, sealed to the
   * recipient and naming the originator as sender, in place of the box it cannot open (the signature
   * kept); on v1 the payload itself.
   */
  rewrittenDirect(envelope: Envelope, msg: unknown): Envelope {
    const signature = envelope.signature;
    if (signature === undefined) return { ...envelope, msg };
    const box = sealTo(envelope.to!, Buffer.from(JSON.stringify({ from: envelope.originator, msg })));
    const old = (envelope.msg as { box: string }).box;
    return { ...envelope, signature: { ...signature, text: signature.text.replace(old, box) } };
  }

  /** The frames of `type` received so far. */
  framesOf(type: string): Envelope[] {
    return this.received.filter((r) => r.envelope.msg_type === type).map((r) => r.envelope);
  }

  /** Whether `text` appears in any frame the attacker received, as it came on the wire. */
  saw(text: string): boolean {
    return this.received.some((r) => encodeEnvelope(r.envelope).includes(text));
  }
}

/**
 * Starts an attacker node under `protocol` named `name` (its id on v1), with `plugins` (default: only
 * `ping`, so that it joins but handles nothing itself).
 */
export async function startAttacker(nodes: TcpNodes, protocol: Protocol, name: string, config: NodeConfigInput = {}): Promise<Attacker> {
  const identity = protocol === "v2" ? ephemeralIdentity() : undefined;
  const node = await nodes.start(configFor(protocol, name, { plugins: ["ping"], ...config }), { identity });
  return new Attacker(node, protocol, identity);
}

/** A well-formed id that no node holds: on v2 the id of a key nobody runs. */
export function ghostId(protocol: Protocol): string {
  return protocol === "v2" ? ephemeralIdentity().peerId : "ghost";
}

/** The chat texts of the broadcasts a node delivered, with their originators. */
export function chatLines(node: PeerNode): Array<{ originator: string; text: string; nick?: string }> {
  const lines: Array<{ originator: string; text: string; nick?: string }> = [];
  node.on("broadcast", (event) => {
    const msg = event.msg as { text?: unknown; nick?: unknown };
    if (typeof msg?.text === "string") lines.push({ originator: event.originator, text: msg.text, ...(typeof msg.nick === "string" ? { nick: msg.nick } : {}) });
  });
  return lines;
}

/** The outcome of a promise, without throwing. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Waits for `promise` and reports how it settled. */
export function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** The port a started node listens on. */
export function portOf(node: PeerNode): number {
  return node.address!.port;
}
