/** Which loaded plugin handles which message types: the listing behind `PeerNode.handledTypes` (`/plugins`). */
import type { Dispatcher } from "../kernel/dispatcher.js";
import type { PluginInstance } from "../kernel/plugin-instance.js";

/** A loaded plugin and the message types it handles (`PeerNode.handledTypes`). */
export interface PluginTypes {
  /** The plugin's name; `ad-hoc` for handlers added with `node.dispatcher.on`. */
  readonly plugin: string;
  /** The message types it has a handler for, sorted. */
  readonly types: readonly string[];
}

/**
 * The plugins in the order given, each with the message types it has a handler for in the dispatcher
 * now, then the other owners of handlers (those added with `node.dispatcher.on`). A snapshot.
 */
export function typesByPlugin(plugins: readonly PluginInstance[], dispatcher: Dispatcher): PluginTypes[] {
  const byOwner = new Map<string, string[]>(plugins.map((p) => [p.name, []]));
  for (const type of dispatcher.types()) {
    for (const owner of new Set(dispatcher.handlers(type).map((entry) => entry.owner))) {
      const types = byOwner.get(owner) ?? [];
      byOwner.set(owner, [...types, type]);
    }
  }
  return [...byOwner].map(([plugin, types]) => ({ plugin, types }));
}
