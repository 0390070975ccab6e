/** The node's own identity: its id, nick, advertised address, and the factory of the envelopes it creates. */
import { randomUUID } from "node:crypto";
import type { Address } from "../transport/transport.js";
import type { Clock } from "../base/clock.js";
import type { NodeConfig } from "./config.js";
import type { Envelope } from "../base/envelope.js";
import type { EnvelopeExtras } from "./message-context.js";
import type { PeerInfo } from "../base/peer.js";

/** This node as its peers see it (`TOKENS.LocalPeer`). */
export interface LocalPeer {
  /** This node's peer id. */
  readonly id: string;
  /** This node's chat nickname, if any. */
  readonly nick: string | undefined;
  /** The listening address peers should dial (the configured one until the listener binds). */
  readonly address: Address;
  /** `{ id, host, port }` (and `nick` when set): the payload of PING and PONG. */
  info(): PeerInfo & { nick?: string };
  /** A new envelope created by this node: `originator` is this node, `time` is now. */
  envelope<T>(type: string, msg: T, extras?: EnvelopeExtras): Envelope<T>;
  /** A fresh, globally unique message id. */
  newMessageId(): string;
}

/** The kernel's `LocalPeer`, whose address the node records once its listener is bound. */
export class LocalPeerState implements LocalPeer {
  readonly id: string;
  readonly nick: string | undefined;
  private advertised: Address;

  /** `id` is the node's resolved peer id: its key's on a secure node, else the configured or a random one. */
  constructor(
    config: NodeConfig,
    private readonly clock: Clock,
    id: string,
  ) {
    this.id = id;
    this.nick = config.nick;
    this.advertised = { host: config.host, port: config.port };
  }

  get address(): Address {
    return { ...this.advertised };
  }

  /** Records the address the listener actually bound (port 0 becomes a real port). */
  setAddress(address: Address): void {
    // A wildcard bind is not an address anyone can dial: keep the configured host then.
    const host = address.host === "0.0.0.0" || address.host === "::" ? this.advertised.host : address.host;
    this.advertised = { host, port: address.port };
  }

  info(): PeerInfo & { nick?: string } {
    const info: PeerInfo & { nick?: string } = { id: this.id, ...this.advertised };
    if (this.nick !== undefined) info.nick = this.nick;
    return info;
  }

  envelope<T>(type: string, msg: T, extras?: EnvelopeExtras): Envelope<T> {
    const envelope: Envelope<T> = { msg_type: type, msg, originator: this.id, time: this.clock.now() };
    if (extras?.id !== undefined) envelope.id = extras.id;
    if (extras?.to !== undefined) envelope.to = extras.to;
    if (extras?.ttl !== undefined) envelope.ttl = extras.ttl;
    return envelope;
  }

  newMessageId(): string {
    return randomUUID();
  }
}
