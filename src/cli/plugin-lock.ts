/**
 * The `package-lock.json` of a plugin project generated from a peerkit checkout: the checkout's own
 * lock, cut down to the project's dev tools and everything they need. The project then installs the
 * very versions the checkout is tested with, and `npm install --offline` can be served from the npm
 * cache the checkout's `npm ci` filled (the tarballs are found by their integrity).
 */

/** One `packages` entry of a lockfile (v2 and v3 format); only the fields read here are named. */
interface LockEntry {
  version?: string;
  integrity?: string;
  resolved?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

/** What `derivePluginLock` needs to know about the project. */
export interface LockRequest {
  /** The project's package name and version. */
  name: string;
  version: string;
  /** The checkout, relative to the project directory, as in `file:../peerkit` (forward slashes). */
  peerkitPath: string;
  /** The project's exact dev dependency versions. */
  devVersions: Readonly<Record<string, string>>;
}

/** npm rewrites this host to the registry a user configured (its `replace-registry-host` default). */
const REGISTRY = "https://registry.npmjs.org";

/**
 * The project's lockfile, or undefined when the checkout's lock cannot serve (not lockfile v2/v3, or a
 * dev tool missing from it or locked at another version): npm then resolves the versions itself.
 */
export function derivePluginLock(checkoutLock: unknown, request: LockRequest): Record<string, unknown> | undefined {
  const packages = (checkoutLock as { packages?: Record<string, LockEntry> } | null)?.packages;
  const root = packages?.[""];
  if (packages === undefined || root === undefined) return undefined;
  for (const [name, version] of Object.entries(request.devVersions)) {
    if (packages[`node_modules/${name}`]?.version !== version) return undefined;
  }

  const kept = new Map<string, LockEntry>();
  const queue = Object.keys(request.devVersions).map((name) => `node_modules/${name}`);
  while (queue.length > 0) {
    const path = queue.pop()!;
    const entry = packages[path];
    if (entry === undefined || kept.has(path) || entry.link === true) continue;
    kept.set(path, entry);
    const required = Object.keys(entry.peerDependencies ?? {}).filter((name) => entry.peerDependenciesMeta?.[name]?.optional !== true);
    for (const name of [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {}), ...required]) {
      const found = resolveInLock(packages, path, name);
      if (found !== undefined) queue.push(found);
    }
  }

  const entries: Record<string, unknown> = {
    "": { name: request.name, version: request.version, dependencies: { peerkit: `file:${request.peerkitPath}` }, devDependencies: request.devVersions },
    [request.peerkitPath]: root,
    "node_modules/peerkit": { resolved: request.peerkitPath, link: true },
  };
  for (const path of [...kept.keys()].sort()) {
    const entry = kept.get(path)!;
    entries[path] = { ...entry, resolved: entry.resolved ?? tarballUrl(packageName(path), entry.version ?? "") };
  }
  return { name: request.name, version: request.version, lockfileVersion: 3, requires: true, packages: entries };
}

/** Where Node would find `name` required from the package at `path`: its own node_modules, then each parent's. */
function resolveInLock(packages: Record<string, LockEntry>, path: string, name: string): string | undefined {
  let base = path;
  for (;;) {
    const candidate = `${base}/node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    const parent = base.lastIndexOf("/node_modules/");
    if (parent < 0) return packages[`node_modules/${name}`] !== undefined ? `node_modules/${name}` : undefined;
    base = base.slice(0, parent);
  }
}

/** `node_modules/a/node_modules/@s/b` → `@s/b`. */
function packageName(path: string): string {
  return path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
}

/**
 * The registry's tarball address, written out because a lock without `resolved` makes npm fetch each
 * package's metadata first, which an offline install may not have.
 */
function tarballUrl(name: string, version: string): string {
  return `${REGISTRY}/${name}/-/${name.slice(name.lastIndexOf("/") + 1)}-${version}.tgz`;
}
