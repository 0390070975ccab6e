/**
 * The schema of the kernel's own config fields (everything but the plugins' sections), and the types
 * inferred from it: `CoreConfig` (validated, complete). What a config may write of them: `./layer-schema.ts`.
 */
import * as v from "valibot";
import { HOST_NAME_FORMS, HOST_PORT_PATTERN, isHostName, parseHostPort } from "../../base/host-port.js";
import { isNick, NICK_RULE } from "../../base/peer.js";
import { getPluginMetadata, type PluginClass } from "../decorators.js";
import { isPlainObject } from "./describe-value.js";
import { LIMIT_FIELDS } from "./limits-schema.js";
import { flag, integerIn, nonEmptyString, onlyPlainObjects, pickOption, plainObject, withJsonSchema } from "./schema-kit.js";
import type { SectionSettings } from "./section.js";

/** A plugin as the config names it: a built-in name, a module specifier, or (from code) the class itself. */
export type PluginRef = string | PluginClass;

const PLUGIN_REF_EXPECTED = "a plugin name or module specifier (a non-empty string), or a class decorated with @plugin()";

/** One entry of `plugins`. In JSON only a name or a module specifier can be written. */
const PLUGIN_REF = withJsonSchema(
  v.custom<PluginRef>(
    (value) => (typeof value === "string" && value.length > 0) || (typeof value === "function" && getPluginMetadata(value) !== undefined),
    PLUGIN_REF_EXPECTED,
  ),
  { type: "string", minLength: 1, description: "A built-in plugin's name (ping, advertise, broadcast, test, keepalive, direct, legacy) or a module specifier." },
);

/** The prefix of a bootstrap address that names an original Python peer. */
export const LEGACY_SCHEME = "legacy://";

const BOOTSTRAP_EXPECTED =
  'a { host, port, legacy? } object or a "host:port" string (IPv6 as "[::1]:7001"; "legacy://host:port" for an original Python peer), port from 1 to 65535';

/** A bootstrap address as text: `"host:port"`, or `"legacy://host:port"` for an original Python peer. */
const BOOTSTRAP_ADDRESS = v.pipe(
  v.string(BOOTSTRAP_EXPECTED),
  v.regex(new RegExp(`^(?:${LEGACY_SCHEME})?\\s*${HOST_PORT_PATTERN.source.slice(1, -1)}\\s*$`), BOOTSTRAP_EXPECTED),
  v.rawTransform<string, { host: string; port: number; legacy?: boolean }>(({ dataset, addIssue, NEVER }) => {
    const text = dataset.value;
    const legacy = text.startsWith(LEGACY_SCHEME);
    const parsed = parseHostPort(legacy ? text.slice(LEGACY_SCHEME.length) : text);
    if (!parsed) {
      addIssue({ message: BOOTSTRAP_EXPECTED });
      return NEVER;
    }
    if (!isHostName(parsed.host)) {
      addIssue({ message: `"host:port" with a host that is ${HOST_NAME_FORMS}` });
      return NEVER;
    }
    return legacy ? { ...parsed, legacy: true } : parsed;
  }),
);

/** A host name or IP address (`isHostName`), with its description. */
function hostName(description: string) {
  return v.pipe(nonEmptyString(HOST_NAME_FORMS, description), v.check<string, string>(isHostName, HOST_NAME_FORMS));
}

const BOOTSTRAP_OBJECT = plainObject(
  {
    host: hostName("The peer's host name or IP address."),
    port: integerIn(1, 65535, "The peer's port."),
    legacy: v.optional(
      v.pipe(v.boolean("a boolean (true for an original Python peer)"), v.description("The peer speaks the original Python peers' wire (needs the legacy plugin).")),
    ),
  },
  { expected: BOOTSTRAP_EXPECTED },
);

/** A bootstrap entry: an object, or a string normalised to one. */
const BOOTSTRAP_PEER = pickOption(v.union([BOOTSTRAP_ADDRESS, BOOTSTRAP_OBJECT], BOOTSTRAP_EXPECTED), (value) =>
  typeof value === "string" ? BOOTSTRAP_ADDRESS : BOOTSTRAP_OBJECT,
);

/** An address to join at start: `{ host, port }`, with `legacy: true` for an original Python peer. */
export type BootstrapPeer = v.InferOutput<typeof BOOTSTRAP_PEER>;

/**
 * One plugin's options: a plain object (`{key}` is replaced by the plugin's name in the report). Any
 * object type is written (an interface too), and read back as a record of unknown values.
 */
const PLUGIN_OPTIONS = v.pipe(
  withJsonSchema(v.custom<object>(isPlainObject, 'an object (the options of the "{key}" plugin)'), { type: "object" }),
  v.transform((options) => options as Record<string, unknown>),
);

/** How a node secures its connections: `tls` (protocol v2, the default) or `none` (plaintext protocol v1). */
export type SecurityMode = "tls" | "none";

/** Resource limits: the transport's and the kernel's. Every field has a default (`DEFAULT_LIMITS`). */
export type Limits = SectionSettings<typeof LIMIT_FIELDS>;

/** The kernel's config fields, each complete (a partial `limits` is merged over the base's). */
export const CORE_FIELDS = {
  id: v.optional(
    v.pipe(
      v.string("a non-empty string of at most 256 characters, without whitespace"),
      v.minLength(1, "a non-empty string of at most 256 characters, without whitespace"),
      v.maxLength(256, "a non-empty string of at most 256 characters, without whitespace"),
      v.regex(/^\S+$/, "a non-empty string of at most 256 characters, without whitespace"),
      v.description(
        'Only with security "none" (--insecure): this node\'s chosen peer id. A secure node\'s id is derived from its key and cannot be chosen. Default: 16 random hex characters.',
      ),
    ),
  ),
  security: v.pipe(
    v.picklist(["tls", "none"] as const satisfies readonly SecurityMode[], '"tls" or "none"'),
    v.description(
      "tls (the default): protocol v2, every connection TLS 1.3 with key-derived ids, signed broadcasts, encrypted one-to-one messages. none (--insecure): plaintext protocol v1, chosen ids.",
    ),
  ),
  dataDir: v.optional(
    nonEmptyString(
      "a non-empty string (a directory path)",
      "Directory that keeps this node's identity key (created on first start, readable by its owner only). Without it the identity is new at each start.",
    ),
  ),
  networkKey: v.optional(
    nonEmptyString(
      "a non-empty string (a file path)",
      "File holding a private network's key (64 hex characters; `peerkit network-key` makes one). Only nodes holding the same key connect.",
    ),
  ),
  host: hostName("Address to listen on, and to advertise to peers."),
  port: integerIn(0, 65535, "Port to listen on; 0 picks a free one.", "an integer from 0 to 65535 (0 picks a free port)"),
  nick: v.optional(v.pipe(v.string(`a nick: ${NICK_RULE}`), v.check<string, string>(isNick, `a nick: ${NICK_RULE}`), v.description(`Chat nickname: ${NICK_RULE}.`))),
  debug: flag("Log at debug level."),
  autostart: flag("Whether start() binds the listener; when false, call startListening() yourself."),
  plugins: v.pipe(v.array(PLUGIN_REF, "an array of plugin names, module specifiers or @plugin() classes"), v.description("The plugins to load, in order.")),
  bootstrap: v.pipe(
    v.array(BOOTSTRAP_PEER, 'an array of { host, port } objects or "host:port" strings'),
    v.description('Peers to join at start: { host, port, legacy? } objects or "host:port" strings ("legacy://host:port" for an original Python peer).'),
  ),
  limits: v.pipe(v.strictObject(LIMIT_FIELDS), v.description("Resource limits; each one left out keeps its default.")),
  options: v.pipe(
    onlyPlainObjects(v.record(v.string(), PLUGIN_OPTIONS, 'an object keyed by plugin name, e.g. { "ping": { ... } }')),
    v.description("Per-plugin options, keyed by plugin name; a plugin reads its own with @inject(TOKENS.PluginOptions)."),
  ),
  baseDir: nonEmptyString(
    "a non-empty string (a directory path)",
    "Directory that relative plugin specifiers are resolved against (default: the config file's directory, else the cwd).",
  ),
};

/** The validated, complete configuration of the kernel (the plugins' sections are added by `NodeConfig`). */
export type CoreConfig = SectionSettings<typeof CORE_FIELDS>;
