/**
 * Finding and reading the config file (cosmiconfig, module name `peerkit`), and resolving a node's
 * complete config: the embedded defaults, then the file, then the command-line flags.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { cosmiconfig, defaultLoaders, type Loader } from "cosmiconfig";
import { defaultConfig, type CoreConfig, type NodeConfig } from "../kernel/config.js";
import { ConfigUnreadableError } from "../base/errors.js";
import { validateConfigLayer } from "./config-sections.js";
import { errorMessage } from "../base/error-message.js";

/**
 * Where a config file is looked for, in this order; the first one found wins. Only the directory searched
 * (the cwd) is looked in, never its parents: a config in a parent directory must not silently apply.
 */
export const CONFIG_SEARCH_PLACES: readonly string[] = Object.freeze([
  "package.json",
  ".peerkitrc",
  ".peerkitrc.json",
  ".peerkitrc.yaml",
  ".peerkitrc.yml",
  ".peerkitrc.js",
  ".peerkitrc.mjs",
  "peerkit.config.json",
  "peerkit.config.yaml",
  "peerkit.config.yml",
  "peerkit.config.js",
  "peerkit.config.mjs",
  "peerkit.config.ts",
]);

/** A config file as read: its still-unvalidated content and its absolute path. */
export interface LoadedConfigFile {
  /** The parsed content (the `peerkit` key for package.json); `{}` for an empty file. */
  config: unknown;
  /** Absolute path of the file. */
  filepath: string;
}

/**
 * Reads the config file. With `path`, exactly that file (relative to `cwd`); otherwise the first of
 * `CONFIG_SEARCH_PLACES` found in `cwd` (default: the process's cwd), without walking up to parent
 * directories. An empty file reads as `{}`.
 *
 * @returns undefined when no `path` is given and no config file is found.
 * @throws ConfigUnreadableError when the file is missing (with `path`), unreadable, or does not parse.
 */
export async function loadConfigFile(options: { path?: string; cwd?: string } = {}): Promise<LoadedConfigFile | undefined> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const explorer = cosmiconfig("peerkit", {
    searchPlaces: [...CONFIG_SEARCH_PLACES],
    // "none" looks in the given directory only; "project" and "global" would walk up to parent directories.
    searchStrategy: "none",
    // An empty file found by the search is still the config file (it sets baseDir), not a reason to skip it.
    ignoreEmptySearchPlaces: false,
    cache: false,
    loaders: LOADERS,
  });

  if (options.path !== undefined) {
    const filepath = path.resolve(cwd, options.path);
    const extension = path.extname(filepath);
    if (extension !== "" && !Object.hasOwn(LOADERS, extension)) {
      throw new ConfigUnreadableError(
        filepath,
        `its extension "${extension}" is not a config format (use .json, .yaml, .yml, .js, .mjs, .cjs, .ts, or no extension for JSON or YAML)`,
      );
    }
    const result = await explorer.load(filepath).catch((error: unknown) => {
      throw new ConfigUnreadableError(filepath, reasonOf(error), { cause: error });
    });
    if (result === null) throw new ConfigUnreadableError(filepath, 'it has no "peerkit" key');
    return { config: result.config ?? {}, filepath: result.filepath };
  }

  const result = await explorer.search(cwd).catch((error: unknown) => {
    const filepath = hasFilepath(error) ? error.filepath : `in ${cwd}`;
    throw new ConfigUnreadableError(filepath, reasonOf(error), { cause: error });
  });
  if (result === null) return undefined;
  return { config: result.config ?? {}, filepath: result.filepath };
}

/**
 * Resolves a node's complete, validated config. Precedence, lowest first: the embedded defaults
 * (`defaultConfig()`), the config file (`path`, or the one found in `cwd`), then `overrides` (the
 * command-line flags). `baseDir` is the config file's directory, or `cwd` when there is no file; a relative
 * `baseDir` in the file is taken relative to the file's directory. Relative plugin specifiers are kept as
 * written: the kernel resolves them against `baseDir`.
 *
 * `addPlugins` (`["legacy"]` for `--legacy`) are appended to the plugin list that wins, whichever layer
 * sets it (the defaults, the file's `plugins`, or `--plugins`), unless it names them already; they are
 * added before each layer is validated, so a file's `legacy://` bootstrap entry is valid with `--legacy`.
 * Each layer is validated with the config sections of the built-in plugins and of the plugins it names.
 *
 * @returns the config, and the path of the file it came from, if any.
 * @throws ConfigUnreadableError when the file cannot be read or parsed.
 * @throws ConfigInvalidError naming the file (or "command-line flags") and every bad field.
 */
export async function resolveNodeConfig(
  options: { path?: string; cwd?: string; overrides?: Record<string, unknown>; addPlugins?: readonly string[] } = {},
): Promise<{ config: NodeConfig; filepath?: string }> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const file = await loadConfigFile({ path: options.path, cwd });
  const add = options.addPlugins ?? [];

  const defaults = defaultConfig();
  let config: CoreConfig = { ...defaults, plugins: withPlugins(defaults.plugins, add), baseDir: file ? path.dirname(file.filepath) : cwd };
  if (file) {
    const source = path.basename(file.filepath) === "package.json" ? `${file.filepath} (the "peerkit" key)` : file.filepath;
    config = await validateConfigLayer(withLayerPlugins(file.config, add), source, config);
    config.baseDir = path.resolve(path.dirname(file.filepath), config.baseDir);
  }
  // Validated even when empty: that adds the plugins' sections, with their defaults.
  const final = await validateConfigLayer(withLayerPlugins(options.overrides ?? {}, add), "command-line flags", config);
  final.baseDir = path.resolve(cwd, final.baseDir);
  return file ? { config: final, filepath: file.filepath } : { config: final };
}

/** `plugins` with each of `add` appended that it does not name yet. */
function withPlugins<T>(plugins: readonly T[], add: readonly string[]): T[] {
  return [...plugins, ...add.filter((name) => !plugins.includes(name as T))] as T[];
}

/** A layer's raw input with `add` appended to its `plugins`, when it sets a list (a bad value is left for validation to report). */
function withLayerPlugins(input: unknown, add: readonly string[]): unknown {
  if (add.length === 0 || typeof input !== "object" || input === null) return input;
  const plugins = (input as { plugins?: unknown }).plugins;
  return Array.isArray(plugins) ? { ...input, plugins: withPlugins(plugins, add) } : input;
}

// ---------------------------------------------------------------------------------------------------------

/**
 * Imports a JS config as ES module or CommonJS alike. cosmiconfig's own loader falls back to `require()`
 * on any import error, which replaces a plain syntax error with a confusing one about require(ESM).
 */
const loadJs: Loader = async (filepath) => {
  const module = (await import(pathToFileURL(filepath).href)) as { default?: unknown };
  if (!("default" in module)) throw new Error("the module has no default export; write `export default { ... }`");
  return module.default;
};

/** Parses JSON, adding the line and column to the parser's position (the built-in one gives only an offset). */
const loadJson: Loader = (_filepath, content) => {
  try {
    return JSON.parse(content.replace(/^\uFEFF/, "")) as unknown;
  } catch (error) {
    const message = errorMessage(error);
    const position = /at position (\d+)/.exec(message);
    if (!position) throw error;
    const before = content.replace(/^\uFEFF/, "").slice(0, Number(position[1]));
    const line = before.split("\n").length;
    const column = before.length - before.lastIndexOf("\n");
    throw new SyntaxError(`${message} (line ${line}, column ${column})`, { cause: error });
  }
};

const LOADERS: Record<string, Loader> = {
  ".json": loadJson,
  ".yaml": defaultLoaders[".yaml"]!,
  ".yml": defaultLoaders[".yml"]!,
  ".js": loadJs,
  ".mjs": loadJs,
  ".cjs": loadJs,
  ".ts": defaultLoaders[".ts"]!,
  // `.peerkitrc` (no extension) holds JSON or YAML; YAML reads both.
  noExt: defaultLoaders.noExt!,
};

function hasFilepath(error: unknown): error is { filepath: string } {
  return typeof error === "object" && error !== null && typeof (error as { filepath?: unknown }).filepath === "string";
}

/** Why a file could not be read, in one line: no stack, no code frame, no repeated file path. */
function reasonOf(error: unknown): string {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (code === "ENOENT") return "the file does not exist";
  if (code === "EISDIR") return "it is a directory, not a file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (!(error instanceof Error)) return String(error);

  // cosmiconfig prefixes parser messages with "JSON Error in <path>:" and parsers append code frames.
  const lines = error.message
    .replace(/^(?:JSON|YAML|TypeScript) Error in [^\n]*:\s*\n/, "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !/^(?:>?\s*\d+\s*\||\||-*\^)/.test(line));
  const first = (lines[0] ?? "unknown error").replace(/\.$/, "");
  return error.name && error.name !== "Error" ? `${error.name}: ${first}` : first;
}
