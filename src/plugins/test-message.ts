/** The test plugin: TEST messages, for probing a node; each is delivered to the application as a `test` event. */
import { inject } from "tsyringe";
import type { ConnectionPool } from "../kernel/connection-pool.js";
import { handles, plugin } from "../kernel/decorators.js";
import type { Envelope } from "../base/envelope.js";
import { UnknownPeerError } from "../base/errors.js";
import type { LocalPeer } from "../kernel/local-peer.js";
import type { NodeEvents } from "../kernel/node-events.js";
import { TOKENS } from "../kernel/tokens.js";

/** TEST: any JSON payload, delivered to the application (the CLI prints it). */
@plugin({ name: "test" })
export class TestPlugin {
  constructor(
    @inject(TOKENS.Connections) private readonly connections: ConnectionPool,
    @inject(TOKENS.LocalPeer) private readonly self: LocalPeer,
    @inject(TOKENS.Events) private readonly events: NodeEvents,
  ) {}

  /** Sends a TEST message to a connected peer. Throws ERR_UNKNOWN_PEER when it is not connected. */
  send(peerId: string, msg: unknown): void {
    if (!this.connections.send(peerId, this.self.envelope("TEST", msg))) throw new UnknownPeerError(peerId);
  }

  /** Deliver a TEST message to the application. */
  @handles("TEST")
  onTest(envelope: Envelope): void {
    this.events.emit("test", { originator: envelope.originator, msg: envelope.msg, envelope });
  }
}
