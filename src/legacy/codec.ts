/**
 * The wire format of the original Python chat peers ("legacy"), and its mapping onto peerkit's envelope.
 *
 * Legacy: one TCP connection per message, one JSON object with no newline, at most 2,048 bytes (the
 * receiver reads once). `time` is a C `ctime()` string in local time ("Tue Nov 24 16:20:00 2026") or a
 * float of seconds. PING/PONG carry `[host, port]`, ADVERTISE `""`, each ADVERTISE_REPLY one
 * `[peer_id, [host, port]]`, BROADCAST the text itself (no id: duplicates are the same `(msg, time)`),
 * TEST a string.
 */
import { createHash } from "node:crypto";
import { DEFAULT_MAX_JSON_DEPTH, parseEnvelope, type Envelope, type ParseResult, type Translation } from "../base/envelope.js";
import type { PeerInfo } from "../base/peer.js";

/** The legacy dialect's name, as `Connection.dialect` and `dial(host, port, { dialect })` spell it. */
export const LEGACY_DIALECT = "legacy";

/** The most bytes a legacy peer reads of one message; anything longer is lost on its side. */
export const LEGACY_MAX_MESSAGE_BYTES = 2048;

/** The envelope field that keeps a legacy message's original `time`, so forwarders can send it unchanged. */
export const LEGACY_TIME_FIELD = "legacy_time";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `ms` as C's `ctime()` prints it, in local time, without the newline: `Tue Nov  3 16:20:00 2026`. */
export function formatCtime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

/** A legacy `time` (ctime string or float seconds) as milliseconds since the epoch, or undefined. */
export function parseLegacyTime(time: unknown): number | undefined {
  if (typeof time === "number") return Number.isFinite(time) ? Math.round(time * 1000) : undefined;
  if (typeof time !== "string" || !/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/.test(time)) return undefined;
  const ms = Date.parse(time);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The id a legacy BROADCAST gets: stable for the same `(originator, text, time)`, which every legacy
 * forwarder keeps, so the seen-cache recognises the copies. A peerkit chat broadcast has the same key
 * (see `legacyDuplicateKey`), so one message crossing between the two worlds is still delivered once.
 */
export function legacyBroadcastId(originator: string, text: string, seconds: number): string {
  return "legacy-" + createHash("sha1").update(JSON.stringify([originator, text, seconds])).digest("hex").slice(0, 24);
}

/** A legacy `time` as seconds since the epoch: a float as it is, a ctime() string as whole seconds. */
function legacySeconds(time: unknown): number | undefined {
  if (typeof time === "number") return Number.isFinite(time) ? time : undefined;
  const ms = parseLegacyTime(time);
  return ms === undefined ? undefined : Math.floor(ms / 1000);
}

/** The text a BROADCAST is shown as to legacy peers, or undefined when it is not text (then it is not sent to them). */
export function legacyText(msg: unknown): string | undefined {
  if (typeof msg === "string") return msg;
  const text = (msg as { text?: unknown } | null)?.text;
  return typeof msg === "object" && typeof text === "string" ? text : undefined;
}

/**
 * The legacy duplicate key of a BROADCAST envelope, whichever world it came from: its legacy id when
 * it came from a legacy peer, else the id a legacy peer would derive for it once it crossed over.
 */
export function legacyDuplicateKey(envelope: Envelope): string | undefined {
  const text = legacyText(envelope.msg);
  if (text === undefined) return undefined;
  const original = (envelope as unknown as Record<string, unknown>)[LEGACY_TIME_FIELD];
  const seconds = legacySeconds(original) ?? Math.floor(envelope.time / 1000);
  return legacyBroadcastId(envelope.originator, text, seconds);
}

function address(value: unknown): { host: string; port: number } | undefined {
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== "string") return undefined;
  const port = Number(value[1]);
  return Number.isInteger(port) && port > 0 && port < 65536 ? { host: value[0], port } : undefined;
}

/**
 * Maps a parsed legacy message onto the envelope's shape, or says why it is not one. Only the mapping:
 * the value it receives was checked by `checkJsonValue`, and what it returns is checked by
 * `checkEnvelope`, both inside `parseEnvelope` (see `decodeLegacy`).
 */
export const translateLegacy: Translation = (value) => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, reason: "not a JSON object" };
  const v = value as Record<string, unknown>;
  const time = parseLegacyTime(v.time);
  if (time === undefined) return { ok: false, reason: 'field time must be a ctime() string such as "Tue Nov 24 16:20:00 2026" or seconds' };
  if (typeof v.originator !== "string") return { ok: false, reason: "field originator must be a string" };
  const envelope: Envelope & Record<string, unknown> = { msg_type: String(v.msg_type), msg: v.msg, originator: v.originator, time };
  switch (v.msg_type) {
    case "PING":
    case "PONG": {
      const at = address(v.msg);
      if (!at) return { ok: false, reason: `${v.msg_type} payload must be [host, port]` };
      envelope.msg = { id: v.originator, ...at } satisfies PeerInfo;
      break;
    }
    case "ADVERTISE":
      envelope.msg = null;
      break;
    case "ADVERTISE_REPLY": {
      const entry = v.msg;
      const at = Array.isArray(entry) && typeof entry[0] === "string" ? address(entry[1]) : undefined;
      if (!at) return { ok: false, reason: "ADVERTISE_REPLY payload must be [peer_id, [host, port]]" };
      envelope.msg = [{ id: (entry as string[])[0], ...at }];
      break;
    }
    case "BROADCAST": {
      if (typeof v.msg !== "string") return { ok: false, reason: "BROADCAST payload must be the text" };
      envelope.msg = { text: v.msg };
      envelope.id = legacyBroadcastId(v.originator, v.msg, legacySeconds(v.time)!);
      break;
    }
  }
  // Every message from the legacy wire keeps its original time, which also marks it as legacy wherever
  // it surfaces (a TEST from a source never greeted included).
  envelope[LEGACY_TIME_FIELD] = v.time;
  return { ok: true, value: envelope };
};

/**
 * Decodes the text of one legacy message into an envelope, through the one envelope validation every
 * frame takes (`parseEnvelope`: JSON, depth and forbidden keys, the legacy mapping, the envelope's
 * shape). Never throws.
 */
export function decodeLegacy(text: string, maxJsonDepth = DEFAULT_MAX_JSON_DEPTH): ParseResult {
  const result = parseEnvelope(text, { maxJsonDepth, translate: translateLegacy });
  return result.ok ? result : { ok: false, reason: `legacy message: ${result.reason}` };
}

/** The outcome of encoding an envelope for a legacy peer: the messages to send (one connection each). */
export type LegacyEncodeResult = { ok: true; messages: string[] } | { ok: false; reason: string; tooLarge?: boolean };

/** Maps a peerkit envelope onto the legacy messages that carry it, or says why it cannot be sent. */
export function encodeLegacy(envelope: Envelope): LegacyEncodeResult {
  const fields = envelope as Envelope & Record<string, unknown>;
  const time = fields[LEGACY_TIME_FIELD] ?? formatCtime(envelope.time);
  const message = (msg: unknown): string => JSON.stringify({ msg_type: envelope.msg_type, msg, originator: envelope.originator, time });
  let messages: string[];
  switch (envelope.msg_type) {
    case "PING":
    case "PONG": {
      const info = envelope.msg as PeerInfo;
      messages = [message([info.host, info.port])];
      break;
    }
    case "ADVERTISE":
      messages = [message("")];
      break;
    case "ADVERTISE_REPLY":
      messages = (envelope.msg as PeerInfo[]).map((peer) => message([peer.id, [peer.host, peer.port]]));
      break;
    case "BROADCAST": {
      const text = legacyText(envelope.msg);
      if (text === undefined) return { ok: false, reason: "a BROADCAST that is not text has no legacy form" };
      messages = [message(text)];
      break;
    }
    case "TEST":
      messages = [message(typeof envelope.msg === "string" ? envelope.msg : JSON.stringify(envelope.msg))];
      break;
    default:
      return { ok: false, reason: `the legacy protocol has no ${envelope.msg_type} message` };
  }
  const tooLong = messages.find((text) => Buffer.byteLength(text) > LEGACY_MAX_MESSAGE_BYTES);
  if (tooLong !== undefined) {
    return {
      ok: false,
      tooLarge: true,
      reason: `the ${envelope.msg_type} is ${Buffer.byteLength(tooLong)} bytes as a legacy message; legacy peers read at most ${LEGACY_MAX_MESSAGE_BYTES}`,
    };
  }
  return { ok: true, messages };
}
