/**
 * Config validation: the one place an untyped config (a parsed file, command-line flags, the object given
 * to `createNode`) becomes a typed `NodeConfig`. Every problem is collected, then reported together in one
 * `ConfigInvalidError`; nothing downstream re-checks a field.
 */
import type { BootstrapPeer, BroadcastMode, BroadcastSettings, KeepaliveSettings, Limits, NodeConfig, PluginRef } from "./config.js";
import { getPluginMetadata } from "./decorators.js";
import { ConfigInvalidError, type ConfigProblem } from "../base/errors.js";
import { isNick, NICK_RULE } from "../base/peer.js";

/**
 * Reads one field's raw value. Returns the typed value, or reports what is wrong to `problems` and returns
 * undefined. `path` is the field's dotted path, used in problem reports.
 */
type Rule<T> = (value: unknown, path: string, problems: ConfigProblem[]) => T | undefined;

/** A `NodeConfig` as one input describes it: its sections may be partial, since they are merged field by field. */
type ConfigFields = Omit<NodeConfig, "limits" | "keepalive" | "broadcast"> & {
  limits: Partial<Limits>;
  keepalive: Partial<KeepaliveSettings>;
  broadcast: Partial<BroadcastSettings>;
};

/** A rule for every field of `T`, optional ones included. */
type RuleTable<T> = { [K in keyof T]-?: Rule<NonNullable<T[K]>> };

/** Longest rendering of a bad value in a problem report. */
const MAX_RENDERED = 40;

/** The largest delay `setTimeout` honours; a larger one fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Most message ids one IHAVE or GRAFT may carry (the broadcast plugin refuses longer lists). */
export const MAX_PLUMTREE_IDS = 1024;

/**
 * Validates `input` and merges it over `base`: every field the input omits (or sets to `undefined`) keeps
 * its value from `base`; `limits` is merged field by field and `options` plugin by plugin. Bootstrap
 * `"host:port"` strings are normalised to `{ host, port }` objects. The result shares no array or object
 * with `base` or `input` except plugin option values and plugin classes.
 *
 * @param source Where the input came from (a file path, `"command-line flags"`, `"createNode() argument"`);
 *   named in the error message.
 * @throws ConfigInvalidError listing every wrong, missing or unknown field, not only the first.
 */
export function validateConfig(input: unknown, source: string, base: NodeConfig): NodeConfig {
  const problems: ConfigProblem[] = [];
  const fields = CONFIG_RULE(input, "", problems);
  if (problems.length > 0 || fields === undefined) throw new ConfigInvalidError(source, problems);

  const { limits, keepalive, broadcast, options, ...rest } = fields;
  const merged: NodeConfig = {
    ...base,
    plugins: [...base.plugins],
    bootstrap: base.bootstrap.map((peer) => ({ ...peer })),
    ...rest,
    limits: { ...base.limits, ...limits },
    keepalive: { ...base.keepalive, ...keepalive },
    broadcast: { ...base.broadcast, ...broadcast },
    options: { ...base.options, ...options },
  };
  const crossProblems = checkRelations(merged);
  if (crossProblems.length > 0) throw new ConfigInvalidError(source, crossProblems);
  return merged;
}

/** Rules between fields, checked on the merged config (a file may set one field and the flags the other). */
function checkRelations(config: NodeConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { intervalMs, timeoutMs, redialBaseMs, redialMaxMs } = config.keepalive;
  if (timeoutMs <= intervalMs) {
    problems.push(problem("keepalive.timeoutMs", `more than keepalive.intervalMs (${intervalMs}), or peers are dropped before they are pinged`, timeoutMs));
  }
  if (redialMaxMs < redialBaseMs) {
    problems.push(problem("keepalive.redialMaxMs", `at least keepalive.redialBaseMs (${redialBaseMs})`, redialMaxMs));
  }
  const { maxClockSkewMs, seenCacheTtlMs } = config.limits;
  if (maxClockSkewMs * 2 > seenCacheTtlMs) {
    problems.push(
      problem(
        "limits.maxClockSkewMs",
        `at most half of limits.seenCacheTtlMs (${seenCacheTtlMs}): a message is accepted for twice the skew, and its id must be remembered that long`,
        maxClockSkewMs,
      ),
    );
  }
  problems.push(...checkLegacyBootstrap(config));
  const { graftTimeoutMs, graftRetryMs } = config.broadcast;
  if (graftRetryMs > graftTimeoutMs) {
    problems.push(problem("broadcast.graftRetryMs", `at most broadcast.graftTimeoutMs (${graftTimeoutMs}): the retry timer is the shorter one`, graftRetryMs));
  }
  return problems;
}

/** The name of the plugin that speaks the original Python peers' wire. */
const LEGACY_PLUGIN = "legacy";

/** Whether the plugin list loads the legacy plugin (by its built-in name, or as its class). */
function loadsLegacy(plugins: readonly PluginRef[]): boolean {
  return plugins.some((ref) => (typeof ref === "string" ? ref === LEGACY_PLUGIN : getPluginMetadata(ref)?.name === LEGACY_PLUGIN));
}

/** A legacy bootstrap peer needs the legacy plugin, which is off by default: it is the open door of issue 9. */
function checkLegacyBootstrap(config: NodeConfig): ConfigProblem[] {
  if (loadsLegacy(config.plugins)) return [];
  const problems: ConfigProblem[] = [];
  config.bootstrap.forEach((peer, index) => {
    if (!peer.legacy) return;
    problems.push({
      path: `bootstrap[${index}]`,
      expected: `the "legacy" plugin for an original Python peer: start with --legacy, or add "legacy" to the plugins field`,
      received: `${formatPeer(peer)} while the plugins do not include "legacy"`,
    });
  });
  return problems;
}

function formatPeer(peer: BootstrapPeer): string {
  const host = peer.host.includes(":") ? `[${peer.host}]` : peer.host;
  return truncate(`${LEGACY_SCHEME}${host}:${peer.port}`);
}

/**
 * Parses a `"host:port"` address, such as `"10.0.0.5:7001"`, `"node-a.local:7001"` or `"[::1]:7001"`
 * (IPv6 in brackets; the brackets are dropped from `host`). Returns undefined when the text is not such an
 * address or the port is not from 1 to 65535.
 */
export function parseHostPort(text: string): BootstrapPeer | undefined {
  const match = /^(?:\[([^\]\s]*:[^\]\s]*)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const host = match[1] ?? match[2];
  const port = Number(match[3]);
  if (!host || !isIntegerIn(port, 1, 65535)) return undefined;
  return { host, port };
}

// ---------------------------------------------------------------------------------------------------------
// Rule builders

/** A rule for a single value: `test` decides, `expected` says what it must be. */
function check<T>(expected: string, test: (value: unknown) => value is T): Rule<T> {
  return (value, path, problems) => {
    if (test(value)) return value;
    problems.push(problem(path, expected, value));
    return undefined;
  };
}

/** A rule for an array whose items all follow `item`; a bad item is reported by its index. */
function arrayOf<T>(item: Rule<T>, expected: string): Rule<T[]> {
  return (value, path, problems) => {
    if (!Array.isArray(value)) {
      problems.push(problem(path, expected, value));
      return undefined;
    }
    const items: T[] = [];
    value.forEach((raw: unknown, index) => {
      const parsed = item(raw, `${path}[${index}]`, problems);
      if (parsed !== undefined) items.push(parsed);
    });
    return items;
  };
}

/** How `objectOf` treats its fields. */
interface ObjectOptions {
  /** What the object is, in "expected ..." wording, e.g. `an object of limits`. */
  expected: string;
  /** Check absent fields too (their rule then reports `undefined`), rather than leaving them out. */
  required?: boolean;
  /** With `required`, the fields that may still be left out. */
  optional?: readonly string[];
  /** For an unknown field, where it belongs instead (e.g. `maxPeers` → `limits.maxPeers`), if anywhere. */
  belongsElsewhere?: (field: string) => string | undefined;
}

/**
 * A rule for a plain object with the fields of `rules`, each checked by its own rule. Unknown fields are
 * refused, naming the allowed ones and the likely intended one. A field set to `undefined` counts as absent.
 */
function objectOf<T>(rules: RuleTable<T>, options: ObjectOptions): Rule<Partial<T>> {
  const known = Object.keys(rules) as (keyof T & string)[];
  const isKnown = (field: string): field is keyof T & string => (known as string[]).includes(field);
  return (value, path, problems) => {
    if (!isPlainObject(value)) {
      problems.push(problem(path || "(root)", options.expected, value));
      return undefined;
    }
    const result: Partial<T> = {};
    const read = (field: keyof T & string, raw: unknown): void => {
      const rule: Rule<unknown> = rules[field];
      const parsed = rule(raw, path ? `${path}.${field}` : field, problems);
      if (parsed !== undefined) result[field] = parsed as T[typeof field];
    };
    // In the input's own order, so that problems are listed as the user wrote the fields.
    for (const [field, raw] of Object.entries(value)) {
      if (!isKnown(field)) problems.push(unknownField(field, path, known, options));
      else if (raw !== undefined) read(field, raw);
    }
    if (options.required) {
      for (const field of known) if (value[field] === undefined && !options.optional?.includes(field)) read(field, undefined);
    }
    return result;
  };
}

// ---------------------------------------------------------------------------------------------------------
// The rules of a peerkit config

const PLUGIN_REF_EXPECTED = "a plugin name or module specifier (a non-empty string), or a class decorated with @plugin()";
const BOOTSTRAP_EXPECTED =
  'a { host, port, legacy? } object or a "host:port" string (IPv6 as "[::1]:7001"; "legacy://host:port" for an original Python peer), port from 1 to 65535';

/** The prefix of a bootstrap address that names an original Python peer. */
const LEGACY_SCHEME = "legacy://";

function legacyAddress(text: string): BootstrapPeer | undefined {
  const parsed = parseHostPort(text.slice(LEGACY_SCHEME.length));
  return parsed && { ...parsed, legacy: true };
}

const pluginRef: Rule<PluginRef> = (value, path, problems) => {
  if (isNonEmptyString(value)) return value;
  if (typeof value === "function" && getPluginMetadata(value) !== undefined) return value as PluginRef;
  problems.push(problem(path, PLUGIN_REF_EXPECTED, value));
  return undefined;
};

const BOOTSTRAP_OBJECT_RULE = objectOf<BootstrapPeer>(
  {
    host: check("a non-empty string", isNonEmptyString),
    port: check("an integer from 1 to 65535", (v): v is number => isIntegerIn(v, 1, 65535)),
    legacy: check("a boolean (true for an original Python peer)", isBoolean),
  },
  { expected: BOOTSTRAP_EXPECTED, required: true, optional: ["legacy"] },
);

const bootstrapPeer: Rule<BootstrapPeer> = (value, path, problems) => {
  if (typeof value === "string") {
    const parsed = value.startsWith(LEGACY_SCHEME) ? legacyAddress(value) : parseHostPort(value);
    if (!parsed) problems.push(problem(path, BOOTSTRAP_EXPECTED, value));
    return parsed;
  }
  const before = problems.length;
  const peer = BOOTSTRAP_OBJECT_RULE(value, path, problems);
  return problems.length === before ? (peer as BootstrapPeer) : undefined;
};

/** Each limit's allowed range; `max` defaults to the largest safe integer. */
const LIMIT_RANGES: { [K in keyof Limits]-?: { min: number; max?: number } } = {
  maxFrameBytes: { min: 1 },
  maxBadFrames: { min: 0 },
  maxPeers: { min: 1 },
  maxConnections: { min: 1 },
  seenCacheSize: { min: 1 },
  seenCacheTtlMs: { min: 1, max: MAX_TIMER_MS },
  broadcastTtl: { min: 1, max: 255 },
  requestTimeoutMs: { min: 1, max: MAX_TIMER_MS },
  dialTimeoutMs: { min: 1, max: MAX_TIMER_MS },
  handshakeMs: { min: 1, max: MAX_TIMER_MS },
  maxQueuedBytes: { min: 1 },
  maxFramesPerSecond: { min: 1 },
  frameBurst: { min: 1 },
  maxJsonDepth: { min: 2, max: 1000 },
  maxPendingConnections: { min: 1 },
  maxPendingPerAddress: { min: 1 },
  maxInboundPeers: { min: 0 },
  maxInboundPeersPerAddress: { min: 1 },
  maxSockets: { min: 4 },
  writeTimeoutMs: { min: 1, max: MAX_TIMER_MS },
  maxClockSkewMs: { min: 1, max: MAX_TIMER_MS },
  peerExchangeDialsPerReply: { min: 0 },
  peerExchangeDialsPerMinute: { min: 0 },
  peerExchangeBackoffMs: { min: 0, max: MAX_TIMER_MS },
  legacyMessagesPerSecond: { min: 1 },
  legacyMessageBurst: { min: 1 },
  legacySocketsPerLink: { min: 1 },
  legacyQueueSize: { min: 0 },
};

const LIMIT_RULES = Object.fromEntries(
  Object.entries(LIMIT_RANGES).map(([field, { min, max }]) => [field, integerRule(min, max)]),
) as RuleTable<Limits>;

const KEEPALIVE_RULES: RuleTable<KeepaliveSettings> = {
  intervalMs: integerRule(1, MAX_TIMER_MS),
  timeoutMs: integerRule(1, MAX_TIMER_MS),
  redialBaseMs: integerRule(1, MAX_TIMER_MS),
  redialMaxMs: integerRule(1, MAX_TIMER_MS),
};

const BROADCAST_MODES: readonly BroadcastMode[] = ["flood", "tree"];

const BROADCAST_RULES: RuleTable<BroadcastSettings> = {
  mode: check('"flood" or "tree"', (v): v is BroadcastMode => (BROADCAST_MODES as readonly unknown[]).includes(v)),
  ihaveIntervalMs: integerRule(0, MAX_TIMER_MS),
  ihaveMaxIds: integerRule(1, MAX_PLUMTREE_IDS),
  graftTimeoutMs: integerRule(1, MAX_TIMER_MS),
  graftRetryMs: integerRule(1, MAX_TIMER_MS),
  storeSize: integerRule(1),
  storeTtlMs: integerRule(1, MAX_TIMER_MS),
};

const PLUGIN_OPTIONS_RULE: Rule<Record<string, unknown>> = (value, path, problems) => {
  if (!isPlainObject(value)) {
    problems.push(problem(path, 'an object keyed by plugin name, e.g. { "ping": { ... } }', value));
    return undefined;
  }
  for (const [name, pluginOptions] of Object.entries(value)) {
    if (!isPlainObject(pluginOptions)) {
      problems.push(problem(`${path}.${name}`, `an object (the options of the "${name}" plugin)`, pluginOptions));
    }
  }
  return { ...value };
};

const CONFIG_RULES: RuleTable<ConfigFields> = {
  id: check(
    "a non-empty string of at most 256 characters, without whitespace",
    (v): v is string => isNonEmptyString(v) && v.length <= 256 && !/\s/.test(v),
  ),
  host: check("a non-empty string (a host name or IP address)", isNonEmptyString),
  port: check("an integer from 0 to 65535 (0 picks a free port)", (v): v is number => isIntegerIn(v, 0, 65535)),
  nick: check(`a nick: ${NICK_RULE}`, isNick),
  debug: check("a boolean (true or false)", isBoolean),
  autostart: check("a boolean (true or false)", isBoolean),
  plugins: arrayOf(pluginRef, "an array of plugin names, module specifiers or @plugin() classes"),
  bootstrap: arrayOf(bootstrapPeer, 'an array of { host, port } objects or "host:port" strings'),
  limits: objectOf(LIMIT_RULES, { expected: "an object of limits, e.g. { \"maxPeers\": 32 }" }),
  keepalive: objectOf(KEEPALIVE_RULES, { expected: 'an object of keepalive settings, e.g. { "intervalMs": 5000 }' }),
  broadcast: objectOf(BROADCAST_RULES, { expected: 'an object of broadcast settings, e.g. { "mode": "tree" }' }),
  options: PLUGIN_OPTIONS_RULE,
  baseDir: check("a non-empty string (a directory path)", isNonEmptyString),
};

const CONFIG_RULE = objectOf(CONFIG_RULES, {
  expected: "an object of config fields",
  belongsElsewhere: (field) =>
    Object.hasOwn(LIMIT_RANGES, field) ? `limits.${field}` : Object.hasOwn(BROADCAST_RULES, field) ? `broadcast.${field}` : undefined,
});

// ---------------------------------------------------------------------------------------------------------
// Helpers

function integerRule(min: number, max = Number.MAX_SAFE_INTEGER): Rule<number> {
  let expected: string;
  if (max !== Number.MAX_SAFE_INTEGER) expected = `an integer from ${min} to ${max}`;
  else if (min === 0) expected = "an integer of 0 or more";
  else if (min === 1) expected = "a positive integer";
  else expected = `an integer of ${min} or more`;
  return check(expected, (v): v is number => isIntegerIn(v, min, max));
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

function isBoolean(value: unknown): value is boolean {
  return typeof value === "boolean";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function problem(path: string, expected: string, value: unknown): ConfigProblem {
  return { path, expected, received: describeValue(value) };
}

function unknownField(field: string, path: string, known: readonly string[], options: ObjectOptions): ConfigProblem {
  const elsewhere = options.belongsElsewhere?.(field);
  const nearest = elsewhere ? undefined : nearestName(field, known);
  const hint = elsewhere ? ` (it belongs in ${elsewhere})` : nearest ? ` (did you mean "${nearest}"?)` : "";
  return {
    path: path ? `${path}.${field}` : field,
    expected: `one of the fields ${known.join(", ")}${hint}`,
    received: "an unknown field",
  };
}

/** The known name closest to `name` when it is a likely typo of it (a few edits, or a different case). */
function nearestName(name: string, known: readonly string[]): string | undefined {
  const allowed = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= allowed && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** Edits (insert, delete, substitute, swap two adjacent characters) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]![j]!;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i]![j] = best;
    }
  }
  return at(a.length, b.length);
}

/** A short rendering of a value for a problem report: `"ten" (a string)`, `-1`, `undefined`, `[1,2] (an array)`. */
function describeValue(value: unknown): string {
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "string":
      return `${truncate(JSON.stringify(value))} (a string)`;
    case "number":
    case "boolean":
      return String(value);
    case "bigint":
      return `${value}n (a bigint)`;
    case "symbol":
      return `${truncate(String(value))} (a symbol)`;
    case "function":
      return getPluginMetadata(value) === undefined
        ? `the function ${value.name || "(anonymous)"}, which is not decorated with @plugin()`
        : `the plugin class ${value.name}`;
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return `${truncate(safeJson(value))} (an array)`;
  if (isPlainObject(value)) return `${truncate(safeJson(value))} (an object)`;
  const name = (value as object).constructor?.name;
  return name ? `an instance of ${name}` : "an object";
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Array.isArray(value) ? "[...]" : "{...}";
  }
}

function truncate(text: string): string {
  return text.length <= MAX_RENDERED ? text : `${text.slice(0, MAX_RENDERED - 1)}…`;
}
