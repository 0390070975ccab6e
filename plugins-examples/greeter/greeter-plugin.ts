/**
 * An example third-party plugin, written only against peerkit's public API.
 *
 * GREET `{ name }` asks a peer to greet; it answers GREET_REPLY `{ text }`, e.g. "Hello, bob!".
 * `greet(peerId, name)` sends a GREET and resolves with the reply's text.
 *
 * Load it from a config by path:  { "plugins": ["ping", "./plugins-examples/greeter/greeter-plugin.js"],
 *                                   "options": { "greeter": { "greeting": "Hi" } } }
 */
import { inject } from "tsyringe";
import {
  handles,
  plugin,
  TimeoutError,
  TOKENS,
  UnknownPeerError,
  type Clock,
  type ConnectionPool,
  type Envelope,
  type LocalPeer,
  type MessageContext,
  type NodeConfig,
  type TimerHandle,
} from "peerkit";

/** The plugin's options, from `config.options.greeter`. */
export interface GreeterOptions {
  /** The word before the name; default "Hello". */
  greeting?: string;
}

/** Checks a GREET payload. */
function checkGreet(msg: unknown): string | undefined {
  const name = (msg as { name?: unknown } | null)?.name;
  return typeof name === "string" && name.length > 0 && name.length <= 64 ? undefined : "expected { name: string of 1 to 64 characters }";
}

/** Checks a GREET_REPLY payload. */
function checkReply(msg: unknown): string | undefined {
  return typeof (msg as { text?: unknown } | null)?.text === "string" ? undefined : "expected { text: string }";
}

/** GREET/GREET_REPLY: a request and its answer between two peers. */
@plugin({ name: "greeter" })
export class GreeterPlugin {
  private readonly waiting = new Map<string, { resolve(text: string): void; reject(error: Error): void; timer: TimerHandle }>();

  constructor(
    @inject(TOKENS.Connections) private readonly connections: ConnectionPool,
    @inject(TOKENS.LocalPeer) private readonly self: LocalPeer,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Config) private readonly config: NodeConfig,
    @inject(TOKENS.PluginOptions) private readonly options: GreeterOptions,
  ) {}

  /** Asks a connected peer to greet `name`; resolves with its answer, or rejects after limits.requestTimeoutMs. */
  greet(peerId: string, name: string): Promise<string> {
    const id = this.self.newMessageId();
    if (!this.connections.send(peerId, this.self.envelope("GREET", { name }, { id }))) {
      return Promise.reject(new UnknownPeerError(peerId));
    }
    const ms = this.config.limits.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.waiting.delete(id);
        reject(new TimeoutError(`GREET to ${peerId}`, ms));
      }, ms);
      this.waiting.set(id, { resolve, reject, timer });
    });
  }

  /** Fails every greeting still waiting, and clears its timer. */
  stop(): void {
    for (const { reject, timer } of this.waiting.values()) {
      this.clock.clearTimeout(timer);
      reject(new Error("the node shut down"));
    }
    this.waiting.clear();
  }

  @handles("GREET", { payload: checkGreet })
  onGreet(envelope: Envelope<{ name: string }>, context: MessageContext): void {
    const text = `${this.options.greeting ?? "Hello"}, ${envelope.msg.name}!`;
    context.reply("GREET_REPLY", { text }, { id: envelope.id });
  }

  @handles("GREET_REPLY", { payload: checkReply })
  onReply(envelope: Envelope<{ text: string }>): void {
    const waiter = envelope.id === undefined ? undefined : this.waiting.get(envelope.id);
    if (!waiter) return;
    this.waiting.delete(envelope.id!);
    this.clock.clearTimeout(waiter.timer);
    waiter.resolve(envelope.msg.text);
  }
}

export default GreeterPlugin;
