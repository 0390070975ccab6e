/**
 * `@plugin()` and `@handles()`. Both only record metadata on the class; the kernel reads it when it
 * assembles a node (`discoverHandlers`) and does all the registering. Nothing happens at import time.
 */
import { injectable } from "tsyringe";
import type { Envelope } from "../base/envelope.js";
import type { MessageContext } from "./message-context.js";
import type { ConfigSection } from "./config/section.js";

/** A check of a message's payload: returns the reason it is unacceptable, or undefined when it is fine. */
export type PayloadCheck = (msg: unknown) => string | undefined;

/** What `@plugin()` records. */
export interface PluginMetadata {
  /** The plugin's unique name, used in configs, dependency lists and logs. */
  name: string;
  /** Names of plugins that must be loaded (and are started) before this one. */
  dependencies: readonly string[];
  /** The config section the plugin owns (`defineConfigSection`), validated with the rest of the config. */
  config?: ConfigSection;
}

/** What `@handles()` records for one method. */
export interface HandlerMetadata {
  /** The `msg_type` the method handles. */
  type: string;
  /** The method's name on the plugin instance. */
  method: string | symbol;
  /** Optional payload check run by the dispatcher before the method is called. */
  payload?: PayloadCheck;
}

/** A message handler as the dispatcher calls it. */
export type MessageHandler = (envelope: Envelope, context: MessageContext) => void | Promise<void>;

/** The optional lifecycle methods of a plugin instance. */
export interface PluginLifecycle {
  /** Called once at node start, after the plugin's dependencies started and its handlers were registered. */
  start?(): void | Promise<void>;
  /** Called once at shutdown, in reverse start order; must clear every timer the plugin set. */
  stop?(): void | Promise<void>;
}

/** A plugin class: constructed by the kernel, with `@inject(TOKENS.X)` on every constructor parameter. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PluginClass<T extends object = object> = new (...args: any[]) => T & PluginLifecycle;

const PLUGIN_KEY = "peerkit:plugin";
const HANDLERS_KEY = "peerkit:handlers";

/**
 * Marks a class as a peerkit plugin with a name and the plugins it depends on.
 *
 * @example
 *   @plugin({ name: "greeter", dependencies: ["ping"] })
 *   export class GreeterPlugin { ... }
 */
export function plugin(options: { name: string; dependencies?: readonly string[]; config?: ConfigSection }): ClassDecorator {
  return (target) => {
    const metadata: PluginMetadata = { name: options.name, dependencies: Object.freeze([...(options.dependencies ?? [])]) };
    if (options.config) metadata.config = options.config;
    Reflect.defineMetadata(PLUGIN_KEY, metadata, target);
    // Records tsyringe's constructor info only; registers nothing in any container.
    injectable()(target as unknown as new (...args: unknown[]) => unknown);
  };
}

/**
 * Marks a method as the handler of one message type. `payload` checks `msg` before the call; a message
 * that fails it is rejected (logged, counted against the connection's bad-frame budget) and not handled.
 *
 * @example
 *   @handles("GREET", { payload: (msg) => (typeof msg === "string" ? undefined : "expected a string") })
 *   onGreet(envelope: Envelope<string>, ctx: MessageContext) { ctx.reply("GREET_REPLY", "hi"); }
 */
export function handles(type: string, options: { payload?: PayloadCheck } = {}): MethodDecorator {
  return (target, method) => {
    const own: HandlerMetadata[] = Reflect.getOwnMetadata(HANDLERS_KEY, target) ?? [];
    Reflect.defineMetadata(HANDLERS_KEY, [...own, { type, method, payload: options.payload }], target);
  };
}

/** The `@plugin()` metadata of a class, or undefined when it is not a plugin. */
export function getPluginMetadata(target: unknown): PluginMetadata | undefined {
  if (typeof target !== "function") return undefined;
  return Reflect.getOwnMetadata(PLUGIN_KEY, target) as PluginMetadata | undefined;
}

/** Every `@handles()` record of a class, its base classes' included. */
export function getHandlerMetadata(target: PluginClass): HandlerMetadata[] {
  const found: HandlerMetadata[] = [];
  for (let proto = target.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const own: HandlerMetadata[] | undefined = Reflect.getOwnMetadata(HANDLERS_KEY, proto);
    if (own) found.push(...own);
  }
  return found;
}
