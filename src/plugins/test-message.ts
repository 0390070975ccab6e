/** The test plugin: TEST messages, for probing a node; each is delivered to the application as a `test` event. */
import { handles, inject, plugin, TOKENS, UnknownPeerError, type Envelope, type EventBus, type LocalPeer, type Network } from "../plugin-api.js";

/** TEST: any JSON payload, delivered to the application (the CLI prints it). */
@plugin({ name: "test" })
export class TestPlugin {
  constructor(
    @inject(TOKENS.Network) private readonly network: Network,
    @inject(TOKENS.LocalPeer) private readonly self: LocalPeer,
    @inject(TOKENS.Events) private readonly events: EventBus,
  ) {}

  /** Sends a TEST message to a connected peer. Throws ERR_UNKNOWN_PEER when it is not connected. */
  send(peerId: string, msg: unknown): void {
    if (!this.network.send(peerId, this.self.envelope("TEST", msg))) throw new UnknownPeerError(peerId);
  }

  /** Deliver a TEST message to the application. */
  @handles("TEST")
  onTest(envelope: Envelope): void {
    this.events.emit("test", { originator: envelope.originator, msg: envelope.msg, envelope });
  }
}
