/**
 * The chat command `/send PEER TYPE JSON`: one message of any type to a connected peer, to try a
 * plugin's message type by hand. Parsing and checking here, before anything is sent; sending
 * (`PeerNode.sendMessage`) and showing the replies (`ReplyWatch`) in `ChatSession`.
 *
 * - PEER is resolved as `/msg` resolves it (`resolveMsgTarget`), and must be connected: the message goes
 *   over that peer's connection only, since nothing routes a type the node does not know.
 * - TYPE is any name of letters, digits and `_.:/-` (at most `MAX_TYPE_LENGTH`), except the types of the
 *   built-in plugins (`isReservedType`): a hand-made PING or BROADCAST would be refused by the peer as a
 *   bad frame, or worse, taken for the real thing. Whether the peer has a handler for TYPE cannot be
 *   known here: a type no plugin of the peer handles is ignored there (a debug log).
 * - JSON is the rest of the line, at most `MAX_SEND_JSON_CHARS` characters and nested at most as deep
 *   as the peer accepts (`limits.maxJsonDepth`, the envelope counting as one level).
 */
import { checkJsonValue } from "../base/envelope.js";
import { PeerkitError } from "../base/errors.js";
import { getHandlerMetadata } from "../kernel/decorators.js";
import type { PluginTypes } from "../node/peer-node.js";
import { BUILTIN_PLUGINS } from "../plugins/index.js";
import { GRAFT, IHAVE, PRUNE } from "../plugins/plumtree-wire.js";
import { shownName } from "./peer-names.js";

/** The most characters of JSON `/send` takes (a typed or pasted value; far below `limits.maxFrameBytes`). */
export const MAX_SEND_JSON_CHARS = 65_536;

/** The longest TYPE `/send` takes. */
export const MAX_TYPE_LENGTH = 64;

/** What `/send` prints when its arguments are missing. */
export const SEND_USAGE =
  'usage: /send PEER TYPE JSON, where PEER is a connected peer as /msg takes it (id, id prefix or nick), TYPE a message type of a plugin, JSON the payload; e.g. /send alice ECHO {"text":"hi"}';

/** A parsed `/send`: the destination as typed, the message type and the parsed payload. */
export interface SendCommand {
  to: string;
  type: string;
  msg: unknown;
}

const TYPE_PATTERN = /^[A-Za-z0-9_.:/-]+$/;

/** The plumtree types the broadcast plugin registers at run time (in `tree` mode only). */
const RUNTIME_BUILTIN_TYPES = [PRUNE, IHAVE, GRAFT];

/** `/send` was malformed: arguments missing, a bad TYPE, or JSON that cannot be sent. Nothing was sent. */
export class SendCommandError extends PeerkitError {}

/**
 * Parses what follows `/send` on the line.
 *
 * @throws SendCommandError ERR_SEND_USAGE (an argument missing), ERR_SEND_TYPE (TYPE not a plain name),
 *   ERR_SEND_JSON (not JSON, too long, or nested deeper than `maxJsonDepth` allows).
 */
export function parseSendArgs(rest: string, maxJsonDepth: number): SendCommand {
  const match = /^\s+(\S+)\s+(\S+)\s+(\S[\s\S]*)$/.exec(rest);
  if (!match) throw new SendCommandError("ERR_SEND_USAGE", SEND_USAGE);
  const [, to, type, text] = match as unknown as [string, string, string, string];
  if (type.length > MAX_TYPE_LENGTH || !TYPE_PATTERN.test(type)) {
    throw new SendCommandError(
      "ERR_SEND_TYPE",
      `${shownName(type.slice(0, MAX_TYPE_LENGTH))}${type.length > MAX_TYPE_LENGTH ? "…" : ""} is not a message type: give at most ${MAX_TYPE_LENGTH} letters, digits and _.:/- (the type a plugin's @handles names, e.g. ECHO).`,
    );
  }
  if (text.length > MAX_SEND_JSON_CHARS) {
    throw new SendCommandError("ERR_SEND_JSON", `the JSON is ${text.length} characters long; /send takes at most ${MAX_SEND_JSON_CHARS}. Send a smaller payload.`);
  }
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch (error) {
    const why = error instanceof SyntaxError ? ` (${error.message})` : "";
    throw new SendCommandError(
      "ERR_SEND_JSON",
      `the payload is not valid JSON${why}. Give one JSON value: {"text":"hi"}, "a string" in double quotes, 42, [1,2] or null.`,
    );
  }
  // The envelope is depth 1, so its msg may be one level less deep than the peer's limit.
  const unsafe = checkJsonValue(msg, maxJsonDepth - 1);
  if (unsafe !== undefined) throw new SendCommandError("ERR_SEND_JSON", `the payload cannot be sent: ${unsafe.replace(/^frame/, "it")} (the peer would refuse the frame). Send a flatter payload.`);
  return { to, type, msg };
}

/**
 * Whether `type` belongs to a built-in plugin: one of the types their `@handles` methods name, the
 * plumtree types, or any type a built-in plugin of this node handles now. Case-sensitive, as `msg_type` is.
 */
export function isReservedType(type: string, handled: readonly PluginTypes[]): boolean {
  return reservedTypesOf(handled).has(type);
}

/** Every type `isReservedType` refuses, for a node whose plugins handle `handled`: one set, to ask per frame. */
export function reservedTypesOf(handled: readonly PluginTypes[]): ReadonlySet<string> {
  const reserved = new Set(builtinTypes());
  for (const entry of handled) if (Object.hasOwn(BUILTIN_PLUGINS, entry.plugin)) for (const type of entry.types) reserved.add(type);
  return reserved;
}

/** The error for a reserved TYPE. */
export function reservedTypeError(type: string): SendCommandError {
  return new SendCommandError(
    "ERR_RESERVED_TYPE",
    `${type} is a message type of a built-in plugin (${[...builtinTypes()].sort().join(", ")}); /send is for the types of your own plugins. Use /msg or a plain line for chat, /join to connect.`,
  );
}

/** A peer `/send` resolved is not connected to this node. */
export class NotConnectedError extends PeerkitError {
  constructor(target: string) {
    super(
      "ERR_NOT_CONNECTED",
      `${shownName(target)} is not connected to this node: /send goes over a direct connection only. /join HOST:PORT of that node first; /peers lists the connected peers.`,
    );
  }
}

let builtins: ReadonlySet<string> | undefined;

function builtinTypes(): ReadonlySet<string> {
  builtins ??= new Set([...Object.values(BUILTIN_PLUGINS).flatMap((pluginClass) => getHandlerMetadata(pluginClass).map((entry) => entry.type)), ...RUNTIME_BUILTIN_TYPES]);
  return builtins;
}
