/** The node's own identity: its id, nick, advertised address, and the factory of the envelopes it creates. */
import { randomUUID } from "node:crypto";
import { inject, injectable } from "tsyringe";
import type { Address } from "../transport/transport.js";
import type { Clock } from "../base/clock.js";
import type { NodeConfig } from "./config.js";
import type { Envelope } from "../base/envelope.js";
import type { EnvelopeExtras } from "./message-context.js";
import type { PeerInfo } from "../base/peer.js";
import { TOKENS } from "./tokens.js";

/** This node as its peers see it. The port is the configured one until the listener binds. */
@injectable()
export class LocalPeer {
  /** This node's peer id. */
  readonly id: string;
  /** This node's chat nickname, if any. */
  readonly nick: string | undefined;
  private advertised: Address;

  constructor(
    @inject(TOKENS.Config) config: NodeConfig,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {
    this.id = config.id;
    this.nick = config.nick;
    this.advertised = { host: config.host, port: config.port };
  }

  /** The listening address peers should dial. */
  get address(): Address {
    return { ...this.advertised };
  }

  /** Records the address the listener actually bound (port 0 becomes a real port). */
  setAddress(address: Address): void {
    // A wildcard bind is not an address anyone can dial: keep the configured host then.
    const host = address.host === "0.0.0.0" || address.host === "::" ? this.advertised.host : address.host;
    this.advertised = { host, port: address.port };
  }

  /** `{ id, host, port }` (and `nick` when set): the payload of PING and PONG. */
  info(): PeerInfo & { nick?: string } {
    const info: PeerInfo & { nick?: string } = { id: this.id, ...this.advertised };
    if (this.nick !== undefined) info.nick = this.nick;
    return info;
  }

  /** A new envelope created by this node: `originator` is this node, `time` is now. */
  envelope<T>(type: string, msg: T, extras?: EnvelopeExtras): Envelope<T> {
    const envelope: Envelope<T> = { msg_type: type, msg, originator: this.id, time: this.clock.now() };
    if (extras?.id !== undefined) envelope.id = extras.id;
    if (extras?.to !== undefined) envelope.to = extras.to;
    if (extras?.ttl !== undefined) envelope.ttl = extras.ttl;
    return envelope;
  }

  /** A fresh, globally unique message id. */
  newMessageId(): string {
    return randomUUID();
  }
}
