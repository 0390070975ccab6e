/**
 * The keepalive plugin: finds peers that dropped off, and redials the peers the node was told to keep.
 *
 * Every `keepalive.intervalMs` without a frame from a peer, it is sent a PING (answered by PONG through
 * the ping plugin); a peer silent for `keepalive.timeoutMs` is dropped: its connection is closed, which
 * removes it from the peer table and emits `peer:disconnect` with the reason. A killed process usually
 * closes its sockets at once; this catches the cases that do not (a stalled socket, a lost host).
 *
 * Kept peers (bootstrap addresses, and addresses joined with `node.join`) are redialled after a drop
 * with exponential backoff and jitter: `redialBaseMs * 2^attempt`, capped at `redialMaxMs`, times a
 * random factor from 0.5 to 1 so that peers that lost each other at once do not redial in lockstep.
 * A kept address whose node refuses this node's id (`ERR_ID_TAKEN`) is not let go: it is redialled
 * slowly (`refusedRedialMs`), with one warning. The refusal proves nothing lasting: whatever answered at
 * the address sent it (a stranger squatting the id under `--insecure`, or a node that held the address
 * for a while), and a true one ends when the connection holding the id does (a stale one, once the
 * refusing node's keepalive drops it).
 */
import {
  errorMessage,
  IdTakenError,
  inject,
  plugin,
  TOKENS,
  type Clock,
  type EventBus,
  type LocalPeer,
  type Logger,
  type Network,
  type NodeConfig,
  type PeerInfo,
  type PeerView,
  type TimerHandle,
} from "../plugin-api.js";
import { KEEPALIVE_SECTION } from "./keepalive-settings.js";

/** Shortest time between two checks of the peers, in milliseconds. */
const MIN_CHECK_MS = 10;

/** An address the node keeps a connection to. */
interface KeptAddress {
  host: string;
  port: number;
  /** The id of the peer last reached there. */
  peerId: string | undefined;
  /** The wire format the peer there speaks (`DialOptions.dialect`); undefined for NDJSON. */
  dialect: string | undefined;
  /** Failed redials since the last success. */
  attempt: number;
  /** The last dial was refused as a taken id (`ERR_ID_TAKEN`): redialled every `refusedRedialMs`. */
  refused: boolean;
  timer: TimerHandle | undefined;
}

/** Liveness checks and redialling of kept peers. */
@plugin({ name: "keepalive", dependencies: ["ping"], config: KEEPALIVE_SECTION })
export class KeepalivePlugin {
  private readonly kept = new Map<string, KeptAddress>();
  /** When each peer was last sent a keepalive PING. */
  private readonly pinged = new Map<string, number>();
  private checkTimer: TimerHandle | undefined;
  private readonly reconnectListeners = new Set<(peer: PeerInfo) => void>();
  private running = false;
  private readonly onDisconnect = (peer: PeerInfo): void => this.redialIfKept(peer);

  constructor(
    @inject(TOKENS.Network) private readonly network: Network,
    @inject(TOKENS.Peers) private readonly peers: PeerView,
    @inject(TOKENS.LocalPeer) private readonly self: LocalPeer,
    @inject(TOKENS.Events) private readonly events: EventBus,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Config) private readonly config: NodeConfig,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  /** How often the peers are checked: a quarter of the shorter period, so a check is never late by much. */
  get checkEveryMs(): number {
    const { intervalMs, timeoutMs } = this.config.keepalive;
    return Math.max(MIN_CHECK_MS, Math.floor(Math.min(intervalMs, timeoutMs) / 4));
  }

  /** Starts the periodic check and the watch for dropped kept peers. */
  start(): void {
    this.running = true;
    this.events.on("peer:disconnect", this.onDisconnect);
    this.scheduleCheck();
  }

  /** Stops the check and every pending redial. */
  stop(): void {
    this.running = false;
    this.events.off("peer:disconnect", this.onDisconnect);
    if (this.checkTimer !== undefined) this.clock.clearTimeout(this.checkTimer);
    this.checkTimer = undefined;
    for (const entry of this.kept.values()) {
      if (entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    this.pinged.clear();
    this.reconnectListeners.clear();
  }

  /**
   * Keeps an address: whenever the peer there drops, it is redialled. Give the id of the peer reached
   * there, if any; without one (a bootstrap peer that could not be reached at start) the first redial is
   * scheduled now.
   */
  keep(host: string, port: number, peerId?: string, dialect?: string): void {
    const entry = this.entryOf(host, port, dialect);
    if (peerId !== undefined) entry.peerId = peerId;
    else this.scheduleRedial(entry);
  }

  /**
   * Keeps an address a dial to it just failed with `error`: redialled with backoff, or, when its node
   * refused this node's id (`ERR_ID_TAKEN`, which the caller reported), only every `refusedRedialMs`,
   * so that a true refusal is not repeated often on either side.
   */
  keepFailed(host: string, port: number, error: unknown, dialect?: string): void {
    const entry = this.entryOf(host, port, dialect);
    if (error instanceof IdTakenError) entry.refused = true;
    this.scheduleRedial(entry);
  }

  /** The kept entry of an address, made when new. */
  private entryOf(host: string, port: number, dialect: string | undefined): KeptAddress {
    const key = `${host}:${port}`;
    let entry = this.kept.get(key);
    if (!entry) {
      entry = { host, port, peerId: undefined, dialect, attempt: 0, refused: false, timer: undefined };
      this.kept.set(key, entry);
    }
    return entry;
  }

  /**
   * The wait before redialling an address that refused this node's id: `keepalive.timeoutMs` (by then a
   * refusing node with the same settings has dropped a stale connection holding the id), at least
   * `redialMaxMs`.
   */
  get refusedRedialMs(): number {
    const { timeoutMs, redialMaxMs } = this.config.keepalive;
    return Math.max(timeoutMs, redialMaxMs);
  }

  /** Stops keeping an address (a pending redial is cancelled). */
  forget(host: string, port: number): void {
    const entry = this.kept.get(`${host}:${port}`);
    if (entry?.timer !== undefined) this.clock.clearTimeout(entry.timer);
    this.kept.delete(`${host}:${port}`);
  }

  /**
   * Calls `listener` with each kept peer a redial brought back (the node uses it to exchange peers with
   * it again, so the mesh around a peer that was cut off is rebuilt). Returns the unsubscribe function.
   */
  onReconnect(listener: (peer: PeerInfo) => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** The kept addresses, as `host:port`. */
  keptAddresses(): string[] {
    return [...this.kept.keys()];
  }

  private scheduleCheck(): void {
    if (!this.running) return;
    this.checkTimer = this.clock.setTimeout(() => {
      this.check();
      this.scheduleCheck();
    }, this.checkEveryMs);
  }

  /** Pings the idle peers and drops the silent ones. */
  private check(): void {
    const now = this.clock.now();
    const { intervalMs, timeoutMs } = this.config.keepalive;
    for (const peer of this.peers.connected()) {
      const silentMs = now - peer.lastSeen;
      if (silentMs >= timeoutMs) {
        this.pinged.delete(peer.id);
        this.network.disconnect(peer.id, `keepalive timeout: nothing heard for ${silentMs} ms (keepalive.timeoutMs ${timeoutMs})`);
      } else if (silentMs >= intervalMs && now - (this.pinged.get(peer.id) ?? 0) >= intervalMs) {
        this.pinged.set(peer.id, now);
        this.network.send(peer.id, this.self.envelope("PING", this.self.info()));
      }
    }
    for (const id of this.pinged.keys()) if (this.network.connection(id) === undefined) this.pinged.delete(id);
  }

  private redialIfKept(peer: PeerInfo): void {
    if (!this.running) return;
    for (const entry of this.kept.values()) {
      // By id, or by address: a peer may advertise another name for the address it was dialled at.
      if (entry.peerId === peer.id || (entry.host === peer.host && entry.port === peer.port)) this.scheduleRedial(entry);
    }
  }

  private scheduleRedial(entry: KeptAddress): void {
    if (!this.running || entry.timer !== undefined) return;
    const { redialBaseMs, redialMaxMs } = this.config.keepalive;
    const ceiling = entry.refused ? this.refusedRedialMs : Math.min(redialMaxMs, redialBaseMs * 2 ** Math.min(entry.attempt, 30));
    const delayMs = Math.round(ceiling * (0.5 + Math.random() / 2));
    entry.timer = this.clock.setTimeout(() => {
      entry.timer = undefined;
      void this.redial(entry, delayMs);
    }, delayMs);
  }

  private async redial(entry: KeptAddress, waitedMs: number): Promise<void> {
    if (!this.running || this.kept.get(`${entry.host}:${entry.port}`) !== entry) return;
    entry.attempt += 1;
    const address = `${entry.host}:${entry.port}`;
    this.logger.debug("redialling a kept peer", { address, attempt: entry.attempt, afterMs: waitedMs });
    try {
      const peer = await this.network.connect(entry.host, entry.port, { dialect: entry.dialect });
      entry.attempt = 0;
      entry.refused = false;
      entry.peerId = peer.id;
      this.logger.info("kept peer is back", { peer: peer.id, address });
      for (const listener of this.reconnectListeners) listener({ id: peer.id, host: peer.host, port: peer.port });
    } catch (error) {
      const refused = error instanceof IdTakenError;
      if (refused && !entry.refused) {
        // Said once; redialled slowly rather than let go, since the refusal may be stale or not the owner's.
        this.logger.warn("a kept peer refuses this node's id; redialling it slowly", { address, everyMs: this.refusedRedialMs, error: errorMessage(error) });
      } else this.logger.debug("redial failed", { address, attempt: entry.attempt, error: errorMessage(error) });
      entry.refused = refused;
      this.scheduleRedial(entry);
    }
  }
}
