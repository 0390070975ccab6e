/**
 * The check of a plugin's constructor before it is built: every parameter must carry an explicit token
 * (`@inject(TOKENS.X)`) that the node provides. A forgotten `@inject` is an error naming the class and
 * the parameter, never a silently made, unconnected object (which is what a container does when it falls
 * back on the parameter types a compiler emitted).
 */
import type { DependencyContainer, InjectionToken } from "tsyringe";
import { InvalidPluginError } from "../base/errors.js";
import type { PluginClass, PluginMetadata } from "./decorators.js";
import { pluginToken, REMOVED_TOKENS, TOKENS } from "./tokens.js";

/** Where tsyringe's `@inject()` records a constructor's tokens: parameter index → token or descriptor. */
const INJECTION_TOKENS_KEY = "injectionTokens";

const PLUGIN_TOKEN_PREFIX = "peerkit.plugin.";

/** One constructor parameter's token, as `@inject` recorded it. */
interface ParameterToken {
  readonly token: InjectionToken;
  readonly optional: boolean;
}

/** A token as a person reads it: `TOKENS.Network`, `pluginToken("broadcast")`, a class or string name. */
function describe(token: unknown): string {
  if (typeof token === "symbol") {
    const known = Object.entries(TOKENS).find(([, value]) => value === token);
    if (known) return `TOKENS.${known[0]}`;
    const key = Symbol.keyFor(token);
    if (key?.startsWith(PLUGIN_TOKEN_PREFIX)) return `pluginToken("${key.slice(PLUGIN_TOKEN_PREFIX.length)}")`;
    return token.toString();
  }
  if (typeof token === "function") return `the class ${token.name || "(anonymous)"}`;
  return typeof token === "string" ? JSON.stringify(token) : String(token);
}

/**
 * The tokens of a plugin's constructor parameters, in order. Throws ERR_PLUGIN_INVALID naming the class
 * and the position of the first parameter without one.
 */
export function parameterTokens(pluginClass: PluginClass, metadata: PluginMetadata): ParameterToken[] {
  const className = pluginClass.name || "(anonymous)";
  const what = `The plugin "${metadata.name}"`;
  const recorded = (Reflect.getOwnMetadata(INJECTION_TOKENS_KEY, pluginClass) ?? {}) as Record<string, unknown>;
  const parent = Object.getPrototypeOf(pluginClass) as unknown;
  // A subclass without a constructor of its own has length 0 and no tokens of its own, yet is built
  // with its parent's parameters: refused, or it would be given nothing where its parent expects values.
  if (Object.keys(recorded).length === 0 && typeof parent === "function" && parent !== Function.prototype) {
    const inherited = (Reflect.getOwnMetadata(INJECTION_TOKENS_KEY, parent) ?? {}) as Record<string, unknown>;
    if (parent.length > 0 || Object.keys(inherited).length > 0) {
      throw new InvalidPluginError(
        what,
        `${className} inherits its constructor from ${parent.name || "its parent class"}; declare a constructor in ${className} with @inject(TOKENS.X) on each parameter`,
      );
    }
  }
  // Emitted parameter types, when a compiler wrote them, are only a count: a parameter they list needs a token too.
  const emitted = Reflect.getOwnMetadata("design:paramtypes", pluginClass) as unknown[] | undefined;
  const count = Math.max(pluginClass.length, emitted?.length ?? 0, ...Object.keys(recorded).map((index) => Number(index) + 1));
  const tokens: ParameterToken[] = [];
  for (let index = 0; index < count; index++) {
    const place = `parameter #${index} of ${className}'s constructor`;
    const entry = recorded[index];
    if (entry === undefined) {
      throw new InvalidPluginError(
        what,
        `${place} has no injection token; put @inject(TOKENS.X) on ${place} (import inject and TOKENS from "peerkit"). ` +
          "peerkit never relies on emitted parameter types",
      );
    }
    if (typeof entry === "object" && entry !== null && "token" in entry) {
      const descriptor = entry as { token: InjectionToken; multiple?: boolean; isOptional?: boolean; transform?: unknown };
      if (descriptor.multiple === true || descriptor.transform !== undefined) {
        throw new InvalidPluginError(what, `${place} uses @injectAll or a transform, which plugins cannot use; put @inject(TOKENS.X) on it`);
      }
      tokens.push({ token: descriptor.token, optional: descriptor.isOptional === true });
    } else {
      tokens.push({ token: entry as InjectionToken, optional: false });
    }
  }
  return tokens;
}

/**
 * The constructor arguments of a plugin, resolved from its scope. Throws ERR_PLUGIN_INVALID when a token
 * is missing, was removed from the plugin API, names a plugin not listed in its dependencies, or is
 * something no node provides.
 */
export function resolveArguments(scope: DependencyContainer, pluginClass: PluginClass, metadata: PluginMetadata): unknown[] {
  const className = pluginClass.name || "(anonymous)";
  const what = `The plugin "${metadata.name}"`;
  return parameterTokens(pluginClass, metadata).map(({ token, optional }, index) => {
    const place = `parameter #${index} of ${className}'s constructor`;
    const removed = typeof token === "symbol" ? REMOVED_TOKENS.get(token) : undefined;
    if (removed !== undefined) throw new InvalidPluginError(what, `${place} asks for ${removed}`);
    const key = typeof token === "symbol" ? Symbol.keyFor(token) : undefined;
    if (key?.startsWith(PLUGIN_TOKEN_PREFIX)) {
      const name = key.slice(PLUGIN_TOKEN_PREFIX.length);
      if (!metadata.dependencies.includes(name)) {
        throw new InvalidPluginError(what, `${place} asks for the plugin "${name}", which it does not depend on; add "${name}" to its @plugin({ dependencies })`);
      }
    }
    if (!scope.isRegistered(token, true)) {
      if (optional) return undefined;
      const known = Object.keys(TOKENS).map((name) => `TOKENS.${name}`).join(", ");
      throw new InvalidPluginError(what, `${place} asks for ${describe(token)}, which no node provides; inject one of ${known}, or pluginToken(name) of a dependency`);
    }
    return scope.resolve(token);
  });
}
