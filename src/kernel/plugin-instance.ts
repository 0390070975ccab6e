/** A constructed plugin, and the discovery of its `@handles()` methods. */
import { getHandlerMetadata, type PluginClass, type PluginLifecycle } from "./decorators.js";
import type { Dispatcher } from "./dispatcher.js";
import { InvalidPluginError } from "../base/errors.js";

/**
 * One plugin of one node: its instance, and the handlers the kernel registers on the dispatcher when
 * it starts and removes when it stops (its `@handles()` methods, and those it registered at run time).
 */
export class PluginInstance {
  private unregister: Array<() => void> = [];

  constructor(
    /** The plugin's name. */
    readonly name: string,
    /** The constructed plugin. */
    readonly instance: object & PluginLifecycle,
    private readonly pluginClass: PluginClass,
    private readonly dispatcher: Dispatcher,
    /** Removes the handlers the plugin registered through `TOKENS.Handlers`. */
    private readonly removeRuntimeHandlers: () => void = () => {},
  ) {}

  /** Registers the plugin's handlers, then calls its `start()`. */
  async start(): Promise<void> {
    const seen = new Set<string>();
    for (const { type, method, payload, requirePeer } of getHandlerMetadata(this.pluginClass)) {
      // A subclass that re-decorates an inherited handler would otherwise register it twice.
      const key = `${type}\u0000${String(method)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const fn = (this.instance as Record<string | symbol, unknown>)[method];
      if (typeof fn !== "function") {
        throw new InvalidPluginError(`The plugin "${this.name}"`, `@handles("${type}") is on ${String(method)}, which is not a method`);
      }
      this.unregister.push(this.dispatcher.on(type, fn.bind(this.instance) as (...args: unknown[]) => unknown, { owner: this.name, payload, requirePeer }));
    }
    await this.instance.start?.();
  }

  /** Calls the plugin's `stop()`, then removes its handlers. */
  async stop(): Promise<void> {
    try {
      await this.instance.stop?.();
    } finally {
      for (const off of this.unregister) off();
      this.unregister = [];
      this.removeRuntimeHandlers();
    }
  }
}
