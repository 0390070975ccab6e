/**
 * `@plugin()` and `@handles()`. Both only record metadata on the class; the kernel reads it when it
 * assembles a node (`discoverHandlers`) and does all the registering. Nothing happens at import time.
 */
import type { Envelope } from "../base/envelope.js";
import type { MessageContext, PeerMessageContext } from "./message-context.js";
import type { ConfigSection } from "./config/section.js";

declare const payloadType: unique symbol;

/**
 * A check of a message's payload: returns the reason it is unacceptable, or undefined when it is fine.
 * `T` is the type of the payloads it accepts: make one with `payloadCheck<T>(fn)` and a handler
 * registered with it receives `Envelope<T>`. A plain function is a `PayloadCheck<unknown>`.
 */
export type PayloadCheck<T = unknown> = ((msg: unknown) => string | undefined) & { readonly [payloadType]?: T };

/** A type guard used as a payload check: a payload for which it returns false is rejected. */
export type PayloadGuard<T> = (msg: unknown) => msg is T;

/** Either kind of payload check; `T` is the type of an accepted payload. */
export type PayloadValidator<T = unknown> = PayloadCheck<T> | PayloadGuard<T>;

/**
 * Declares the payload type a check accepts, so that `@handles(type, { payload })` types its handler.
 *
 * @example
 *   const greetPayload = payloadCheck<{ name: string }>((msg) => typeof (msg as { name?: unknown })?.name === "string" ? undefined : "expected { name }");
 */
export function payloadCheck<T>(check: (msg: unknown) => string | undefined): PayloadCheck<T> {
  return check as PayloadCheck<T>;
}

/** Runs a payload check or guard: the reason the payload is refused, or undefined when it passes. */
export function checkPayload(check: PayloadValidator, msg: unknown): string | undefined {
  const verdict: unknown = (check as (msg: unknown) => unknown)(msg);
  if (verdict === true || verdict === undefined) return undefined;
  return typeof verdict === "string" ? verdict : "refused by its payload check";
}

/** Options of a message handler: `@handles(type, options)`, `Handlers.on(type, fn, options)`. */
export interface HandlerOptions<T = unknown, R extends boolean = boolean> {
  /** Checks `msg` before the call; a message that fails it is rejected (a bad frame) and not handled. */
  payload?: PayloadValidator<T>;
  /**
   * Only for a handshaken peer: a message on a connection the handshake has not bound yet is rejected
   * as "TYPE before the handshake" (a bad frame), and the handler is not called.
   */
  requirePeer?: R;
}

/** The context type a handler gets: `PeerMessageContext` when it requires a peer. */
export type ContextFor<R extends boolean> = R extends true ? PeerMessageContext : MessageContext;

/** A message handler whose envelope carries a payload of type `T`. */
export type TypedHandler<T, C extends MessageContext = MessageContext> = (envelope: Envelope<T>, context: C) => unknown;

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
  payload?: PayloadValidator;
  /** Whether the dispatcher rejects the type before the handshake. */
  requirePeer: boolean;
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
  };
}

/**
 * Marks a method as the handler of one message type. `payload` checks `msg` before the call, and types
 * the method: with a `PayloadCheck<T>` or a guard `msg is T`, the method must accept `Envelope<T>`.
 * `requirePeer: true` lets only handshaken peers' messages through (its context has a `peerId`).
 *
 * @example
 *   @handles("GREET", { payload: greetPayload, requirePeer: true })
 *   onGreet(envelope: Envelope<{ name: string }>, ctx: PeerMessageContext) { ctx.reply("GREET_REPLY", `hi ${envelope.msg.name}`); }
 */
export function handles<T = unknown, R extends boolean = false>(
  type: string,
  options: HandlerOptions<T, R> = {},
): <M extends TypedHandler<T, ContextFor<R>>>(target: object, method: string | symbol, descriptor: TypedPropertyDescriptor<M>) => void {
  return (target, method) => {
    const own: HandlerMetadata[] = Reflect.getOwnMetadata(HANDLERS_KEY, target) ?? [];
    const record: HandlerMetadata = { type, method, payload: options.payload as PayloadValidator | undefined, requirePeer: options.requirePeer === true };
    Reflect.defineMetadata(HANDLERS_KEY, [...own, record], target);
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
