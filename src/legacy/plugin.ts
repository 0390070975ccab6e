/**
 * The legacy plugin: lets a node share one chat with the original Python peers. At start it attaches
 * the legacy dialect to the TCP transport (one connection per message, list payloads, ctime `time`; see
 * `codec.ts` and `dialect.ts`), and gives every chat broadcast a second identity, the one the legacy
 * peers use, `(originator, text, time)`, so a message that crosses between the two worlds by several
 * paths is still delivered once.
 *
 * Not a default plugin: the legacy wire has no handshake of its own, so it is turned on explicitly
 * (`--legacy`, or `"legacy"` in `plugins`). What the node then accepts from legacy peers, and how it
 * bounds what it sends them, is described in `router.ts` and `link.ts`.
 */
import { inject, plugin, pluginToken, TOKENS, type Envelope, type Logger, type Network, type NodeConfig } from "../plugin-api.js";
// The one capability outside the plugin API: the node's transport, to attach the dialect to it. Only
// this module's plugin is given it (`INTERNAL_TOKENS` is not exported to plugin authors).
import { INTERNAL_TOKENS } from "../kernel/tokens.js";
import type { BroadcastPlugin } from "../plugins/broadcast.js";
import { TcpTransport } from "../transport/tcp-transport.js";
import type { Transport } from "../transport/transport.js";
import { LEGACY_DIALECT, legacyDuplicateKey } from "./codec.js";
import { attachLegacyDialect, type LegacyDialect } from "./dialect.js";
import type { LegacyRouterStats } from "./router.js";

/** Talk to the original Python chat peers: the transport's legacy dialect plus cross-dialect dedup. */
@plugin({ name: "legacy", dependencies: ["ping", "broadcast"] })
export class LegacyPlugin {
  private removeKey: (() => void) | undefined;
  private unsubscribe: Array<() => void> = [];
  /** Open connections that speak legacy. */
  private legacyLinks = 0;
  private dialect: LegacyDialect | undefined;
  /**
   * The node's transport, in a truly private field (not TypeScript's `private`): a plugin that depends
   * on this one is given the instance, and must not reach the transport through it.
   */
  readonly #transport: Transport;

  constructor(
    @inject(INTERNAL_TOKENS.Transport) transport: Transport,
    @inject(TOKENS.Network) private readonly connections: Network,
    @inject(pluginToken("broadcast")) private readonly broadcast: BroadcastPlugin,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(TOKENS.Config) private readonly config: NodeConfig,
  ) {
    this.#transport = transport;
  }

  /**
   * Attaches the legacy dialect to the TCP transport (before the node listens), with at most one PONG
   * per legacy address per `keepalive.intervalMs`, and registers the legacy duplicate key. The dialect
   * stays attached until the transport closes: its links are connections like the others, closed with
   * them after every plugin has stopped.
   */
  start(): void {
    if (!(this.#transport instanceof TcpTransport)) {
      this.logger.warn("this transport cannot speak the legacy dialect (it is not a TcpTransport); the legacy plugin does nothing");
      return;
    }
    this.dialect = attachLegacyDialect(this.#transport, {
      limits: this.config.limits,
      logger: this.logger,
      pongIntervalMs: this.config.keepalive.intervalMs,
    });
    this.unsubscribe = [
      this.connections.onOpen((connection) => {
        if (connection.dialect === LEGACY_DIALECT) this.legacyLinks++;
      }),
      this.connections.onClose((connection) => {
        if (connection.dialect === LEGACY_DIALECT) this.legacyLinks--;
      }),
    ];
    this.removeKey = this.broadcast.addDuplicateKey((envelope) => this.duplicateKey(envelope));
  }

  /** What became of the legacy messages received (refused, dropped, delivered); undefined before `start`. */
  stats(): LegacyRouterStats | undefined {
    return this.dialect?.stats();
  }

  /** Removes the duplicate key and the connection watch. */
  stop(): void {
    this.removeKey?.();
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }

  /**
   * The legacy identity of a broadcast, only while this node has legacy peers: the legacy peers know
   * messages by `(originator, text, time)` alone, so two identical lines within one second are one
   * message to them; a node with no legacy peer keeps telling them apart by id.
   */
  private duplicateKey(envelope: Envelope): string | undefined {
    return this.legacyLinks > 0 ? legacyDuplicateKey(envelope) : undefined;
  }
}
