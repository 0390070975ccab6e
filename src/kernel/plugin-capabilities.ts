/**
 * The narrow objects behind the plugin tokens, made from the kernel's own objects. Each is a frozen
 * facade of bound functions: a plugin holding one cannot reach the class behind it (no `stop()`, no
 * `setAddress()`); `Handshake`, which binds connections, is given to the ping plugin alone, and binds
 * only connection views the node handed out.
 */
import type { Envelope } from "../base/envelope.js";
import type { PeerInfo } from "../base/peer.js";
import { InvalidPluginError } from "../base/errors.js";
import type { EventBus, Handlers, Handshake, Network, PeerView, PluginEvent } from "./capabilities.js";
import type { ConnectionPool } from "./connection-pool.js";
import type { Dispatcher } from "./dispatcher.js";
import type { LocalPeer, LocalPeerState } from "./local-peer.js";
import type { ConnectionView } from "./message-context.js";
import type { NodeEvents } from "./node-events.js";
import type { PeerTable } from "./peer-table.js";

/** `TOKENS.Network`: sending, connecting and watching connections, over the pool. */
export function networkOf(pool: ConnectionPool): Network {
  return Object.freeze({
    send: (peerId: string, envelope: Envelope) => pool.send(peerId, envelope),
    sendToAll: (envelope: Envelope, except: Iterable<string | undefined> = []) => {
      const skip = new Set(except);
      return pool.sendToPeers(envelope, (peerId) => skip.has(peerId));
    },
    connect: (host: string, port: number, options?: Parameters<Network["connect"]>[2]) => pool.connect(host, port, options),
    disconnect: (peerId: string, reason: string) => {
      const connection = pool.connectionOf(peerId);
      if (!connection || connection.closed) return false;
      connection.close(reason);
      return true;
    },
    connection: (peerId: string) => {
      const connection = pool.connectionOf(peerId);
      return connection && pool.viewOf(connection);
    },
    peerIds: () => pool.peerIds(),
    get dialsInProgress() {
      return pool.dialsInProgress;
    },
    onOpen: (listener: (connection: ConnectionView) => void) => pool.onOpen((connection) => listener(pool.viewOf(connection))),
    onClose: (listener: (connection: ConnectionView, peer: PeerInfo | undefined, reason: string) => void) =>
      pool.onClose((connection, peer, reason) => listener(pool.viewOf(connection), peer, reason)),
  });
}

/** `TOKENS.Handshake`: binding connections to peers, and greeting a connection not bound yet. */
export function handshakeOf(pool: ConnectionPool): Handshake {
  return Object.freeze({
    bind: (view: ConnectionView, info: PeerInfo & { nick?: string }) => {
      const connection = pool.connectionBehind(view);
      return connection !== undefined && pool.bind(connection, info);
    },
    sendOn: (view: ConnectionView, envelope: Envelope) => pool.connectionBehind(view)?.send(envelope) ?? false,
    refused: (view: ConnectionView, code: string) => {
      const connection = pool.connectionBehind(view);
      if (connection !== undefined) pool.noteRefusal(connection, code);
    },
  });
}

/** `TOKENS.Peers`: the peer table, read-only. */
export function peerViewOf(table: PeerTable): PeerView {
  return Object.freeze({
    list: () => table.list(),
    connected: () => table.connected(),
    connectedCount: () => table.connectedCount(),
    find: (id: string) => table.find(id),
    findByAddress: (host: string, port: number) => table.findByAddress(host, port),
    has: (id: string) => table.has(id),
    get size() {
      return table.size;
    },
  });
}

/** `TOKENS.LocalPeer`: this node's identity, without the kernel's `setAddress`. */
export function localPeerOf(self: LocalPeerState): LocalPeer {
  return Object.freeze({
    id: self.id,
    nick: self.nick,
    get address() {
      return self.address;
    },
    info: () => self.info(),
    envelope: <T>(type: string, msg: T, extras?: Parameters<LocalPeer["envelope"]>[2]) => self.envelope(type, msg, extras),
    newMessageId: () => self.newMessageId(),
  });
}

/** The events a plugin may emit (`PluginEvent`). */
const PLUGIN_EVENTS: ReadonlySet<string> = new Set<PluginEvent>(["broadcast", "direct", "test"]);

/** `TOKENS.Events`: the node's events, without `clear()` or the error handler; plugins emit deliveries only. */
export function eventBusOf(events: NodeEvents): EventBus {
  return Object.freeze({
    on: ((event, listener) => events.on(event, listener)) as EventBus["on"],
    once: ((event, listener) => events.once(event, listener)) as EventBus["once"],
    off: ((event, listener) => events.off(event, listener)) as EventBus["off"],
    emit: ((event, ...args) => {
      if (!PLUGIN_EVENTS.has(event)) {
        throw new InvalidPluginError("A plugin that emits node events", `"${String(event)}" is the kernel's own event; plugins emit ${[...PLUGIN_EVENTS].join(", ")}`);
      }
      events.emit(event, ...args);
    }) as EventBus["emit"],
  });
}

/** One plugin's `TOKENS.Handlers`, and the removal of whatever it registered when the plugin stops. */
export interface PluginHandlers {
  /** The capability given to the plugin: registers under the plugin's name. */
  readonly handlers: Handlers;
  /** Removes every handler the plugin registered through it and has not removed yet. */
  removeAll(): void;
}

/** Makes `TOKENS.Handlers` for the plugin `owner`. */
export function handlersOf(dispatcher: Dispatcher, owner: string): PluginHandlers {
  const registered = new Set<() => void>();
  const handlers: Handlers = Object.freeze({
    on: ((type, handler, options = {}) => {
      const off = dispatcher.on(type, handler, { ...options, owner });
      const remove = (): void => {
        registered.delete(remove);
        off();
      };
      registered.add(remove);
      return remove;
    }) as Handlers["on"],
    known: (type: string, isKnown: (id: string, sig: string) => boolean) => {
      const off = dispatcher.onKnown(type, isKnown, owner);
      const remove = (): void => {
        registered.delete(remove);
        off();
      };
      registered.add(remove);
      return remove;
    },
  });
  return {
    handlers,
    removeAll: () => {
      for (const remove of [...registered]) remove();
    },
  };
}
