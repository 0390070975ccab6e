/**
 * Which plugin config sections a node validates: those of the built-in plugins (so that a config's
 * `broadcast` section is checked, and kept, whichever plugins it loads) and those of the plugins the
 * config names. The kernel's validation knows no plugin; this is where plugins meet it.
 */
import path from "node:path";
import { BUILTIN_PLUGINS } from "../plugins/index.js";
import type { CoreConfig, NodeConfig, PluginRef } from "../kernel/config.js";
import { isPlainObject } from "../kernel/config/describe-value.js";
import type { ConfigSection } from "../kernel/config/section.js";
import { validateConfig } from "../kernel/config/validate.js";
import { getPluginMetadata } from "../kernel/decorators.js";
import { resolvePlugin } from "../kernel/plugin-loader.js";

/** The config sections of the built-in plugins, in the order of `BUILTIN_PLUGINS`. */
export const BUILTIN_SECTIONS: readonly ConfigSection[] = Object.freeze(
  Object.values(BUILTIN_PLUGINS).flatMap((pluginClass) => getPluginMetadata(pluginClass)?.config ?? []),
);

/**
 * Validates a config layer (see the kernel's `validateConfig`) with the built-in plugins' sections and
 * `sections` (a loaded plugin's section replaces a built-in one of the same name).
 *
 * @throws ConfigInvalidError listing every wrong, missing or unknown field.
 */
export function validateNodeConfig(input: unknown, source: string, base: CoreConfig, sections: readonly ConfigSection[] = []): NodeConfig {
  const names = new Set(sections.map((section) => section.name));
  return validateConfig(input, source, base, [...BUILTIN_SECTIONS.filter((section) => !names.has(section.name)), ...sections]);
}

/**
 * Validates a config layer with the sections of the built-in plugins and of the plugins it loads (its
 * own `plugins` list, else the base's). A plugin that cannot be loaded adds no section here: loading it
 * for the node reports why.
 */
export async function validateConfigLayer(input: unknown, source: string, base: CoreConfig): Promise<NodeConfig> {
  return validateNodeConfig(input, source, base, await sectionsOfPlugins(input, base));
}

/** The sections of the plugins a config layer loads, as far as they can be loaded. */
async function sectionsOfPlugins(input: unknown, base: CoreConfig): Promise<ConfigSection[]> {
  const refs: readonly unknown[] = isPlainObject(input) && Array.isArray(input.plugins) ? input.plugins : base.plugins;
  const baseDir = isPlainObject(input) && typeof input.baseDir === "string" ? path.resolve(base.baseDir, input.baseDir) : base.baseDir;
  const sections: ConfigSection[] = [];
  for (const ref of refs) {
    if (typeof ref !== "function" && (typeof ref !== "string" || ref === "" || Object.hasOwn(BUILTIN_PLUGINS, ref))) continue;
    try {
      const section = (await resolvePlugin(ref as PluginRef, baseDir, BUILTIN_PLUGINS)).metadata.config;
      if (section) sections.push(section);
    } catch {
      // Reported when the node loads its plugins, after the config's own problems.
    }
  }
  return sections;
}
