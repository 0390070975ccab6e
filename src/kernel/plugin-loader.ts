/**
 * Plugin loading: from the names in a config to plugin classes, checked and ordered so that every
 * plugin starts after the plugins it depends on.
 */
import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { getPluginMetadata, type PluginClass, type PluginMetadata } from "./decorators.js";
import type { PluginRef } from "./config.js";
import { InvalidPluginError, PluginDependencyError, UnknownPluginError } from "../base/errors.js";
import { errorMessage } from "../base/error-message.js";

/** A plugin class with its metadata and how the config named it. */
export interface PluginDefinition {
  readonly pluginClass: PluginClass;
  readonly metadata: PluginMetadata;
  /** The config entry it came from (a name, a specifier, or the class name). */
  readonly source: string;
}

function isPathSpecifier(ref: string): boolean {
  return ref.startsWith("./") || ref.startsWith("../") || isAbsolute(ref) || ref.startsWith("file:");
}

function pickPluginExport(module: Record<string, unknown>, ref: string): PluginClass {
  if (getPluginMetadata(module.default)) return module.default as PluginClass;
  const plugins = Object.values(module).filter((value) => getPluginMetadata(value) !== undefined);
  if (plugins.length === 1) return plugins[0] as PluginClass;
  if (plugins.length === 0) throw new InvalidPluginError(`The module "${ref}"`, "it exports no class decorated with @plugin(); export one (default or named)");
  throw new InvalidPluginError(`The module "${ref}"`, `it exports ${plugins.length} plugin classes; make the one to load its default export`);
}

async function importModule(ref: string, baseDir: string, builtins: readonly string[]): Promise<Record<string, unknown>> {
  let url: string;
  if (ref.startsWith("file:")) url = ref;
  else if (isPathSpecifier(ref)) url = pathToFileURL(resolve(baseDir, ref)).href;
  else {
    // Resolve a package name from the config's directory (as `require` would), so that a plugin
    // installed next to the config is found; fall back to peerkit's own resolution.
    try {
      url = pathToFileURL(createRequire(join(baseDir, "peerkit.config.js")).resolve(ref)).href;
    } catch {
      url = ref;
    }
  }
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND" || code === "ERR_UNSUPPORTED_DIR_IMPORT") {
      throw new UnknownPluginError(ref, builtins, `no module found at ${isPathSpecifier(ref) ? resolve(baseDir, ref) : ref}`, { cause: error });
    }
    throw new InvalidPluginError(`The module "${ref}"`, `importing it failed: ${errorMessage(error)}`, { cause: error });
  }
}

/** Turns one config entry into a plugin definition: a built-in name, a module specifier, or a class. */
export async function resolvePlugin(
  ref: PluginRef,
  baseDir: string,
  builtins: Readonly<Record<string, PluginClass>>,
): Promise<PluginDefinition> {
  if (typeof ref === "function") {
    const metadata = getPluginMetadata(ref);
    if (!metadata) throw new InvalidPluginError(`The class ${ref.name || "(anonymous)"}`, "it is not decorated with @plugin({ name }); add the decorator");
    return { pluginClass: ref, metadata, source: ref.name || metadata.name };
  }
  // Own names only: `builtins["__proto__"]` or `["constructor"]` would find Object.prototype's.
  const builtin = Object.hasOwn(builtins, ref) ? builtins[ref] : undefined;
  if (builtin) return { pluginClass: builtin, metadata: getPluginMetadata(builtin)!, source: ref };
  const isModule = isPathSpecifier(ref) || /^(@[\w.-]+\/)?[\w.-]+(\/[\w.-]+)*$/.test(ref);
  if (!isModule) throw new UnknownPluginError(ref, Object.keys(builtins));
  const pluginClass = pickPluginExport(await importModule(ref, baseDir, Object.keys(builtins)), ref);
  return { pluginClass, metadata: getPluginMetadata(pluginClass)!, source: ref };
}

/**
 * Checks names and dependencies and returns the plugins in start order: each after its dependencies,
 * otherwise in config order. Throws ERR_PLUGIN_DEPENDENCY for a duplicate name, a missing dependency or
 * a cycle.
 */
export function orderPlugins(definitions: readonly PluginDefinition[]): PluginDefinition[] {
  const byName = new Map<string, PluginDefinition>();
  for (const definition of definitions) {
    const other = byName.get(definition.metadata.name);
    if (other) {
      throw new PluginDependencyError(
        `Two plugins are named "${definition.metadata.name}" (from "${other.source}" and "${definition.source}"). Remove one from the plugins list.`,
      );
    }
    byName.set(definition.metadata.name, definition);
  }
  for (const definition of definitions) {
    for (const dependency of definition.metadata.dependencies) {
      if (!byName.has(dependency)) {
        throw new PluginDependencyError(
          `Plugin "${definition.metadata.name}" depends on "${dependency}", which is not loaded. Add "${dependency}" to the plugins list.`,
        );
      }
    }
  }
  const ordered: PluginDefinition[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (definition: PluginDefinition, path: string[]): void => {
    const name = definition.metadata.name;
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") {
      throw new PluginDependencyError(`Plugin dependencies form a cycle: ${[...path, name].join(" -> ")}. Remove one of these dependencies.`);
    }
    state.set(name, "visiting");
    for (const dependency of definition.metadata.dependencies) visit(byName.get(dependency)!, [...path, name]);
    state.set(name, "done");
    ordered.push(definition);
  };
  for (const definition of definitions) visit(definition, []);
  return ordered;
}

/** Resolves every config entry and orders the result (see `orderPlugins`). */
export async function loadPlugins(
  refs: readonly PluginRef[],
  baseDir: string,
  builtins: Readonly<Record<string, PluginClass>>,
): Promise<PluginDefinition[]> {
  const definitions: PluginDefinition[] = [];
  for (const ref of refs) definitions.push(await resolvePlugin(ref, baseDir, builtins));
  return orderPlugins(definitions);
}
