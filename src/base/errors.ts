/**
 * peerkit's errors: one class per condition, each with a stable `code` and a message that says what
 * happened and what to do about it.
 */
import { nearestName } from "./nearest-name.js";

/** Base class of every error peerkit throws on purpose. `code` is stable across versions. */
export class PeerkitError extends Error {
  /** A stable, machine-readable code such as `ERR_CONFIG_INVALID`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem found in a config: the field's path, what was expected, and what was found. */
export interface ConfigProblem {
  /** Dotted path of the field, e.g. `limits.maxPeers`. */
  path: string;
  /** What the field must be, e.g. `an integer from 0 to 65535`. */
  expected: string;
  /** A short rendering of the value that was found. */
  received: string;
}

/** The config (a file, flags or the object given to `createNode`) has a wrong or unknown field. */
export class ConfigInvalidError extends PeerkitError {
  /** Where the config came from: a file path, or a description such as `createNode() argument`. */
  readonly source: string;
  readonly problems: readonly ConfigProblem[];

  constructor(source: string, problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => `  - ${p.path}: expected ${p.expected}, got ${p.received}`);
    super(
      "ERR_CONFIG_INVALID",
      `Invalid peerkit config in ${source}:\n${lines.join("\n")}\n` +
        "Fix these fields (see the README's \"Config file\" section for every field and its default).",
    );
    this.source = source;
    this.problems = problems;
  }
}

/** A config file exists but could not be read or parsed. */
export class ConfigUnreadableError extends PeerkitError {
  constructor(source: string, reason: string, options?: { cause?: unknown }) {
    super("ERR_CONFIG_UNREADABLE", `Cannot read the peerkit config ${source}: ${reason}. Check that the file exists and is valid for its format (JSON, YAML, JS).`, options);
  }
}

/** A plugin name in the config is neither a built-in nor a module that could be imported. */
export class UnknownPluginError extends PeerkitError {
  readonly plugin: string;

  constructor(plugin: string, builtins: readonly string[], reason?: string, options?: { cause?: unknown }) {
    const nearest = nearestName(plugin, builtins);
    super(
      "ERR_UNKNOWN_PLUGIN",
      `Unknown plugin "${plugin}"${reason ? ` (${reason})` : ""}${nearest ? `; did you mean "${nearest}"?` : ""}. Use a built-in name (${builtins.join(", ")}), ` +
        `or a module specifier such as "./my-plugin.js" (relative to the config file) or an npm package name ` +
        "whose export is a class decorated with @plugin().",
      options,
    );
    this.plugin = plugin;
  }
}

/** A module named as a plugin exports nothing that is a `@plugin()` class. */
export class InvalidPluginError extends PeerkitError {
  constructor(what: string, reason: string, options?: { cause?: unknown }) {
    super("ERR_PLUGIN_INVALID", `${what} cannot be used as a peerkit plugin: ${reason}.`, options);
  }
}

/** Two plugins share a name, or a plugin depends on one that is not loaded, or dependencies form a cycle. */
export class PluginDependencyError extends PeerkitError {
  constructor(message: string) {
    super("ERR_PLUGIN_DEPENDENCY", message);
  }
}

/** The node API was asked for something a plugin provides, but that plugin is not loaded. */
export class PluginNotLoadedError extends PeerkitError {
  constructor(plugin: string, what: string) {
    super("ERR_PLUGIN_NOT_LOADED", `${what} needs the "${plugin}" plugin. Add "${plugin}" to the plugins list of the config.`);
  }
}

/** A frame grew past `limits.maxFrameBytes` before its newline arrived. */
export class FrameTooLargeError extends PeerkitError {
  constructor(limit: number) {
    super(
      "ERR_FRAME_TOO_LARGE",
      `A frame exceeded limits.maxFrameBytes (${limit} bytes) before its newline; the connection was closed. ` +
        "Send smaller messages, or raise limits.maxFrameBytes on both nodes.",
    );
  }
}

/** A request to a peer (join, peer exchange, dial) got no answer in time. */
export class TimeoutError extends PeerkitError {
  constructor(what: string, ms: number) {
    super("ERR_TIMEOUT", `${what} got no answer within ${ms} ms. Check that the peer is running and reachable, or raise limits.requestTimeoutMs.`);
  }
}

/** A TCP connection to a peer could not be made. */
export class DialError extends PeerkitError {
  constructor(host: string, port: number, reason: string, options?: { cause?: unknown }) {
    super("ERR_DIAL_FAILED", `Cannot connect to ${host}:${port}: ${reason}. Check the address and that a peerkit node listens there.`, options);
  }
}

/**
 * The node dialled refused this one because another node of the network already holds its id (a REFUSED
 * frame with `ID_TAKEN`): a second node started with the same `--id`, or with the same `--data-dir`.
 * A kept address that refused this way is redialled only slowly (keepalive's `refusedRedialMs`).
 */
export class IdTakenError extends PeerkitError {
  /** The id that is taken: this node's. */
  readonly peerId: string;

  constructor(host: string, port: number, peerId: string, secure: boolean) {
    const fix = secure
      ? "Two nodes share one identity key (the same --data-dir): give this node its own --data-dir, or none for a new identity."
      : "Start this node with another id (--id NAME), or without --id for a random one, or stop the other node first.";
    super("ERR_ID_TAKEN", `${host}:${port} refused this node: its id "${peerId}" is already used by another node connected there. ${fix}`);
    this.peerId = peerId;
  }
}

/** The node dialled an address that turned out to be itself. */
export class SelfDialError extends PeerkitError {
  constructor(host: string, port: number) {
    super("ERR_SELF_DIAL", `${host}:${port} is this node's own address; give the address of another node.`);
  }
}

/** A peer id that is not in the peer table. */
export class UnknownPeerError extends PeerkitError {
  constructor(peerId: string) {
    super("ERR_UNKNOWN_PEER", `No connected peer has the id "${peerId}". List the connected peers with node.peers.list() (or /peers in the CLI).`);
  }
}

/** A one-to-one message was not acknowledged by its destination in time. */
export class UndeliveredError extends PeerkitError {
  /** The message's id. */
  readonly messageId: string;
  /** The destination peer id. */
  readonly to: string;
  /** The short cause, e.g. `no acknowledgement within 5000 ms`. */
  readonly reason: string;

  constructor(messageId: string, to: string, reason: string) {
    super(
      "ERR_UNDELIVERED",
      `The message ${messageId} to ${to} was not delivered: ${reason}. Check that the peer is online and connected ` +
        "to this network (/peers), or raise limits.requestTimeoutMs.",
    );
    this.messageId = messageId;
    this.to = to;
    this.reason = reason;
  }
}

/** The node is not in the state the call needs (e.g. not started, or already shut down). */
export class NodeStateError extends PeerkitError {
  constructor(message: string) {
    super("ERR_NODE_STATE", message);
  }
}

/** The transport failed to listen on the configured address; the advice depends on why (`reason`: an errno code or a message). */
export class ListenError extends PeerkitError {
  constructor(host: string, port: number, reason: string, options?: { cause?: unknown }) {
    super("ERR_LISTEN", `Cannot listen on ${host}:${port}: ${reason}. ${listenAdvice(reason)}`, options);
  }
}

/** What to do about a failed listen: a port in use is not fixed like an address this machine does not have. */
function listenAdvice(reason: string): string {
  const code = /^E[A-Z_]+\b/.exec(reason)?.[0];
  switch (code) {
    case "EADDRNOTAVAIL":
      return "No network interface of this machine has that address: give one it has (--host), such as 127.0.0.1, or 0.0.0.0 for every interface.";
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
      return "That host name does not resolve: give an address of this machine (--host), such as 127.0.0.1, or 0.0.0.0 for every interface.";
    case "EACCES":
      return "This user may not listen on that port (below 1024 needs privileges): pick another port (--port), or port 0 for any free one.";
    default:
      return "Pick another port (--port, or port 0 for any free one).";
  }
}

/** `MemoryNetwork.settle()` gave up: deliveries kept being queued (a handler that answers in a loop?). */
export class SettleTimeoutError extends PeerkitError {
  constructor(turns: number, pending: number) {
    super(
      "ERR_SETTLE_TIMEOUT",
      `MemoryNetwork.settle() still had ${pending} deliveries pending after ${turns} event-loop turns. ` +
        "Look for handlers that keep answering each other forever.",
    );
  }
}
