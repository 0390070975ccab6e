/**
 * `peerkit new-plugin NAME [--dir DIR]`: writes a ready plugin project (see `plugin-templates.ts`) that
 * depends on the peerkit running this command: a `file:` link to its directory when it is a checkout,
 * the registry's `^VERSION` when it was installed from the registry.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { PeerkitError } from "../base/errors.js";
import { BUILTIN_PLUGINS } from "../plugins/index.js";
import { derivePluginLock } from "./plugin-lock.js";
import { projectFiles, projectNames, type PluginProject } from "./plugin-templates.js";

/** NAME is not usable as an npm package name, a plugin name and a message type at once. */
export class PluginNameError extends PeerkitError {
  constructor(name: string, reason: string) {
    super(
      "ERR_PLUGIN_NAME",
      `Cannot make a plugin named ${JSON.stringify(name)}: ${reason}. Use 1 to 40 lowercase letters, digits and "-", starting with a letter, e.g. "peerkit new-plugin dice".`,
    );
  }
}

/** The target directory exists and holds files, or is not a directory: nothing is overwritten. */
export class TargetDirError extends PeerkitError {
  constructor(dir: string, reason: string) {
    super("ERR_DIR_NOT_EMPTY", `Cannot make the plugin project in ${dir}: ${reason}. Name a new or empty directory with --dir DIR.`);
  }
}

/** The dev tools a project gets, at the versions the generating peerkit is built and tested with. */
const DEV_TOOLS = ["typescript", "vitest", "vite", "@types/node"] as const;

const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 40;

/** What `newPlugin` wrote. */
export interface NewPluginResult {
  /** The project's directory, absolute. */
  dir: string;
  /** The files written, relative to `dir`, in order. */
  files: string[];
  /** The message type the plugin handles. */
  type: string;
  /** The `peerkit` dependency written into package.json. */
  peerkitSpec: string;
}

/**
 * Checks NAME for what it will be used as (package name, plugin name, message type, class name).
 *
 * @throws PluginNameError naming what is wrong and what would do.
 */
export function checkPluginName(name: string, builtins: readonly string[] = Object.keys(BUILTIN_PLUGINS)): void {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) throw new PluginNameError(name, `it has ${name.length} characters`);
  if (!NAME_PATTERN.test(name)) throw new PluginNameError(name, patternBreach(name));
  if (name === "peerkit") throw new PluginNameError(name, "a project cannot depend on a package of its own name");
  if (builtins.includes(name)) throw new PluginNameError(name, "a built-in plugin has that name, and plugin names must be unique");
}

/** Why NAME does not match `NAME_PATTERN`. */
function patternBreach(name: string): string {
  const stray = /[^a-z0-9-]/.exec(name)?.[0];
  if (stray !== undefined) return /[A-Z]/.test(stray) ? "it has capitals (npm names are lowercase)" : `it has ${JSON.stringify(stray)}, which is not a lowercase letter, a digit or "-"`;
  if (!/^[a-z]/.test(name)) return "it does not start with a letter";
  return 'it has a "-" at its end or two in a row';
}

/**
 * Writes the project for plugin `name` into `dir` (default `./NAME`), relative to `cwd`.
 *
 * @param peerkitRoot the package directory of the peerkit the project will depend on (default: this one).
 * @throws PluginNameError for an unusable name; TargetDirError when `dir` is a file or not empty.
 */
export function newPlugin(name: string, options: { dir?: string; cwd?: string; peerkitRoot?: string } = {}): NewPluginResult {
  checkPluginName(name);
  const dir = resolve(options.cwd ?? process.cwd(), options.dir ?? name);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new TargetDirError(dir, "it is a file");
    if (readdirSync(dir).length > 0) throw new TargetDirError(dir, "it is not empty");
  }
  const root = options.peerkitRoot ?? fileURLToPath(new URL("../../", import.meta.url));
  const manifest = readJson(join(root, "package.json")) as { version?: string; devDependencies?: Record<string, string> } | undefined;
  const version = manifest?.version ?? "0.0.0";
  const checkoutLock = readJson(join(root, "package-lock.json"));
  const devVersions = Object.fromEntries(DEV_TOOLS.map((tool) => [tool, toolVersion(root, tool, checkoutLock, manifest?.devDependencies)]));

  const linked = !installedFromRegistry(root);
  // A file: spec relative to the project, as npm itself writes it, with forward slashes on every system.
  const peerkitPath = relative(dir, root).split(sep).join("/") || ".";
  const peerkitSpec = linked ? `file:${peerkitPath}` : `^${version}`;
  const project: PluginProject = { ...projectNames(name), peerkitSpec, devVersions };
  const files = projectFiles(project);
  if (linked) {
    const lock = derivePluginLock(checkoutLock, { name, version: "0.1.0", peerkitPath, devVersions });
    if (lock !== undefined) files["package-lock.json"] = `${JSON.stringify(lock, null, 2)}\n`;
  }

  for (const [path, text] of Object.entries(files)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text, { flag: "wx" });
  }
  return { dir, files: Object.keys(files), type: project.type, peerkitSpec };
}

/** What `peerkit new-plugin` prints once the project is written. */
export function nextSteps(result: NewPluginResult, cwd: string = process.cwd()): string {
  const where = relative(cwd, result.dir) || ".";
  return [
    `Made the plugin project ${where}: a plugin answering ${result.type} with ${result.type}_RESULT, its test, and a config that loads it.`,
    `peerkit is ${result.peerkitSpec.startsWith("file:") ? `linked from this checkout (${result.peerkitSpec})` : `taken from the registry (${result.peerkitSpec})`}.`,
    "",
    "Next:",
    `  cd ${where.includes(" ") ? JSON.stringify(where) : where}`,
    "  npm install         # installs, then compiles src/ to dist/",
    "  npm test            # the plugin's tests, on an in-memory network",
    "  npx peerkit start   # a node with the plugin loaded (peerkit.config.json)",
  ].join("\n");
}

/**
 * A peerkit whose real path lies under a `node_modules` directory was installed by npm (from the
 * registry, as a dependency or globally, or by npx); anywhere else it is a checkout, linked by path.
 */
function installedFromRegistry(root: string): boolean {
  return realpathSync(root).split(sep).includes("node_modules");
}

/**
 * The version of a dev tool: the one the checkout's lock installs, else the one installed next to
 * peerkit, else the lower bound of peerkit's own devDependencies range.
 */
function toolVersion(root: string, tool: string, lock: unknown, declared: Record<string, string> | undefined): string {
  const locked = (lock as { packages?: Record<string, { version?: string }> } | undefined)?.packages?.[`node_modules/${tool}`]?.version;
  if (locked !== undefined) return locked;
  const installed = (readJson(join(root, "node_modules", tool, "package.json")) as { version?: string } | undefined)?.version;
  if (installed !== undefined) return installed;
  return declared?.[tool]?.replace(/^[\^~>=\s]+/, "") ?? "latest";
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as unknown;
  } catch {
    return undefined;
  }
}
