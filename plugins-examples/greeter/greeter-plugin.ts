/**
 * An example third-party plugin, written only against peerkit's public API.
 *
 * GREET `{ name }` asks a peer to greet; it answers GREET_REPLY `{ text }`, e.g. "Hello, bob!".
 * `greet(peerId, name)` sends a GREET and resolves with the reply's text.
 *
 * Load it from a config by path:  { "plugins": ["ping", "./plugins-examples/greeter/greeter-plugin.js"],
 *                                   "options": { "greeter": { "greeting": "Hi" } } }
 */
import {
  handles,
  inject,
  NodeStateError,
  payloadCheck,
  PendingRequests,
  plugin,
  TOKENS,
  UnknownPeerError,
  type Clock,
  type Envelope,
  type LocalPeer,
  type MessageContext,
  type Network,
  type NodeConfig,
} from "peerkit";

/** The plugin's options, from `config.options.greeter`. */
export interface GreeterOptions {
  /** The word before the name; default "Hello". */
  greeting?: string;
}

/** Checks a GREET payload: `{ name }`, a name of 1 to 64 characters. */
const greetPayload = payloadCheck<{ name: string }>((msg) => {
  const name = (msg as { name?: unknown } | null)?.name;
  return typeof name === "string" && name.length > 0 && name.length <= 64 ? undefined : "expected { name: string of 1 to 64 characters }";
});

/** Checks a GREET_REPLY payload (a type guard works as a check too). */
function isReply(msg: unknown): msg is { text: string } {
  return typeof (msg as { text?: unknown } | null)?.text === "string";
}

/** GREET/GREET_REPLY: a request and its answer between two peers. */
@plugin({ name: "greeter" })
export class GreeterPlugin {
  /** Greetings asked for and not answered yet, by the GREET's message id. */
  private readonly replies: PendingRequests<string, string>;

  constructor(
    @inject(TOKENS.Network) private readonly network: Network,
    @inject(TOKENS.LocalPeer) private readonly self: LocalPeer,
    @inject(TOKENS.Clock) clock: Clock,
    @inject(TOKENS.Config) private readonly config: NodeConfig,
    @inject(TOKENS.PluginOptions) private readonly options: GreeterOptions,
  ) {
    this.replies = new PendingRequests(clock);
  }

  /** Asks a connected peer to greet `name`; resolves with its answer, or rejects after limits.requestTimeoutMs. */
  greet(peerId: string, name: string): Promise<string> {
    const id = this.self.newMessageId();
    if (!this.network.send(peerId, this.self.envelope("GREET", { name }, { id }))) {
      return Promise.reject(new UnknownPeerError(peerId));
    }
    return this.replies.wait(id, this.config.limits.requestTimeoutMs, `GREET to ${peerId}`);
  }

  /** Fails every greeting still waiting, and clears its timer. */
  stop(): void {
    this.replies.rejectAll((what) => new NodeStateError(`The node shut down before ${what} was answered.`));
  }

  @handles("GREET", { payload: greetPayload, requirePeer: true })
  onGreet(envelope: Envelope<{ name: string }>, context: MessageContext): void {
    const text = `${this.options.greeting ?? "Hello"}, ${envelope.msg.name}!`;
    context.reply("GREET_REPLY", { text }, { id: envelope.id });
  }

  @handles("GREET_REPLY", { payload: isReply, requirePeer: true })
  onReply(envelope: Envelope<{ text: string }>): void {
    if (envelope.id !== undefined) this.replies.resolve(envelope.id, envelope.msg.text);
  }
}

export default GreeterPlugin;
