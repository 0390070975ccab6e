/**
 * What `peerkit start` prints: node events and answers to chat commands, either as one JSON object per
 * line (`--json`) or as lines for a person. Logs never pass through here; they go to stderr via the logger.
 */
import type { Address } from "../transport/transport.js";
import type { BroadcastEvent, DirectEvent, TestEvent } from "../kernel/node-events.js";
import type { PeerInfo, PeerRecord } from "../kernel/peer.js";

/** A stream the printers write to: `process.stdout`, `process.stderr`, or a buffer in a test. */
export interface TextSink {
  write(chunk: string): unknown;
}

/** The printers' view of the node itself. */
export interface NodeIdentity {
  id: string;
}

/** Receives everything the CLI shows while a node runs. */
export interface EventPrinter {
  /** The listener is bound. */
  listening(self: NodeIdentity, address: Address): void;
  /** A peer completed its handshake. */
  peerConnect(peer: PeerInfo): void;
  /** A peer's connection closed. */
  peerDisconnect(peer: PeerInfo, reason: string): void;
  /** A broadcast (a chat line, or any JSON another program sent) was delivered. */
  broadcast(event: BroadcastEvent): void;
  /** A TEST message was delivered. */
  test(event: TestEvent): void;
  /** A one-to-one message addressed to this node was delivered. */
  direct(event: DirectEvent): void;
  /** A one-to-one message sent by `/msg` was acknowledged by its destination. */
  delivered(outcome: Delivered): void;
  /** A one-to-one message sent by `/msg` was not acknowledged in time, or had nowhere to go. */
  undelivered(outcome: Undelivered): void;
  /** The answer to `/peers`. */
  peers(peers: readonly PeerRecord[]): void;
  /** The answer to a successful `/join`. */
  joined(peer: PeerInfo): void;
  /** A chat command failed or was not understood. */
  error(message: string, code?: string): void;
  /** Information for the user, such as the answer to `/help`. */
  notice(message: string): void;
}

/** The outcome of `/msg` when the destination acknowledged it. */
export interface Delivered {
  /** The message id, the same as in the destination's `direct` event. */
  id: string;
  /** The destination peer id. */
  to: string;
}

/** The outcome of `/msg` when it failed with ERR_UNDELIVERED. */
export interface Undelivered extends Delivered {
  /** Why: the error's message. */
  reason: string;
}

/** The `/peers` row: what the JSON `peers` event carries for each peer. */
export interface PeerRow {
  id: string;
  host: string;
  port: number;
  nick?: string;
  lastSeen: number;
}

/**
 * `--json`: exactly one JSON object per line on `out`, nothing else. Answers to chat commands are events
 * too (`joined`, `error`, `notice`), so that a program driving stdin reads every answer from the same stream;
 * only fatal start-up errors go to stderr (the process then exits non-zero).
 */
export class JsonPrinter implements EventPrinter {
  constructor(private readonly out: TextSink) {}

  listening(self: NodeIdentity, address: Address): void {
    this.emit({ event: "listening", id: self.id, host: address.host, port: address.port });
  }
  peerConnect(peer: PeerInfo): void {
    this.emit({ event: "peer:connect", peer: peerInfo(peer) });
  }
  peerDisconnect(peer: PeerInfo, reason: string): void {
    this.emit({ event: "peer:disconnect", peer: peerInfo(peer), reason });
  }
  broadcast(event: BroadcastEvent): void {
    this.emit({ event: "broadcast", id: event.id, originator: event.originator, msg: event.msg });
  }
  test(event: TestEvent): void {
    this.emit({ event: "test", originator: event.originator, msg: event.msg });
  }
  direct(event: DirectEvent): void {
    this.emit({ event: "direct", id: event.id, originator: event.originator, msg: event.msg });
  }
  delivered(outcome: Delivered): void {
    this.emit({ event: "delivered", id: outcome.id, to: outcome.to });
  }
  undelivered(outcome: Undelivered): void {
    this.emit({ event: "undelivered", id: outcome.id, to: outcome.to, reason: outcome.reason });
  }
  peers(peers: readonly PeerRecord[]): void {
    this.emit({ event: "peers", peers: peers.map(peerRow) });
  }
  joined(peer: PeerInfo): void {
    this.emit({ event: "joined", peer: peerInfo(peer) });
  }
  error(message: string, code?: string): void {
    this.emit(code === undefined ? { event: "error", message } : { event: "error", message, code });
  }
  notice(message: string): void {
    this.emit({ event: "notice", message });
  }

  private emit(value: Record<string, unknown>): void {
    this.out.write(`${JSON.stringify(value)}\n`);
  }
}

/**
 * For a person: events on `out`, command errors on `err`. Chat lines read `<alice (3f2a…)> hello`, or
 * `<3f2a…> hello` without a nick; one-to-one lines `<alice (3f2a…)> [private] hello`. Text from the network is stripped of control characters, so a peer
 * cannot move the cursor or recolour the terminal.
 */
export class HumanPrinter implements EventPrinter {
  constructor(
    private readonly out: TextSink,
    private readonly err: TextSink,
    private readonly now: () => number = Date.now,
  ) {}

  listening(self: NodeIdentity, address: Address): void {
    this.line(`[listening] id=${self.id} ${address.host}:${address.port}`);
  }
  peerConnect(peer: PeerInfo): void {
    this.line(`[connect] ${describePeer(peer)}`);
  }
  peerDisconnect(peer: PeerInfo, reason: string): void {
    this.line(`[disconnect] ${describePeer(peer)} (${clean(reason)})`);
  }
  broadcast(event: BroadcastEvent): void {
    this.chatOr("broadcast", "", event.originator, event.msg);
  }
  test(event: TestEvent): void {
    this.line(`[test] from ${clean(event.originator)}: ${json(event.msg)}`);
  }
  direct(event: DirectEvent): void {
    this.chatOr("direct", "[private] ", event.originator, event.msg);
  }
  delivered(outcome: Delivered): void {
    this.line(`[delivered] ${clean(outcome.id)} to ${clean(outcome.to)}`);
  }
  undelivered(outcome: Undelivered): void {
    this.line(`[undelivered] ${clean(outcome.id)} to ${clean(outcome.to)}: ${clean(outcome.reason)}`);
  }
  peers(peers: readonly PeerRecord[]): void {
    if (peers.length === 0) {
      this.line("[peers] none connected");
      return;
    }
    this.line(`[peers] ${peers.length} connected:`);
    for (const peer of peers) {
      const seen = peer.lastSeen > 0 ? `, last seen ${Math.max(0, Math.round((this.now() - peer.lastSeen) / 1000))}s ago` : "";
      const nick = peer.nick === undefined ? "" : ` nick=${clean(peer.nick)}`;
      this.line(`  ${describePeer(peer)}${nick}${seen}`);
    }
  }
  joined(peer: PeerInfo): void {
    this.line(`[joined] ${describePeer(peer)}`);
  }
  error(message: string, code?: string): void {
    this.err.write(`[error] ${message}${code === undefined ? "" : ` (${code})`}\n`);
  }
  notice(message: string): void {
    this.err.write(`${message}\n`);
  }

  /** A chat payload as `<who> {tag}text`; any other JSON as `[kind] from id: json`. */
  private chatOr(kind: string, tag: string, originator: string, msg: unknown): void {
    const chat = asChatLine(msg);
    if (chat) {
      const who = chat.nick === undefined ? clean(originator) : `${clean(chat.nick)} (${clean(originator)})`;
      this.line(`<${who}> ${tag}${clean(chat.text)}`);
    } else {
      this.line(`[${kind}] from ${clean(originator)}: ${json(msg)}`);
    }
  }

  private line(text: string): void {
    this.out.write(`${text}\n`);
  }
}

/** A chat payload `{ text, nick? }`, or undefined when `msg` is some other JSON. */
export function asChatLine(msg: unknown): { text: string; nick?: string } | undefined {
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return undefined;
  const { text, nick } = msg as { text?: unknown; nick?: unknown };
  if (typeof text !== "string") return undefined;
  return typeof nick === "string" && nick !== "" ? { text, nick } : { text };
}

function peerInfo(peer: PeerInfo): PeerInfo {
  return { id: peer.id, host: peer.host, port: peer.port };
}

function peerRow(peer: PeerRecord): PeerRow {
  const row: PeerRow = { id: peer.id, host: peer.host, port: peer.port, lastSeen: peer.lastSeen };
  if (peer.nick !== undefined) row.nick = peer.nick;
  return row;
}

function describePeer(peer: PeerInfo): string {
  return `${clean(peer.id)} ${clean(peer.host)}:${peer.port}`;
}

/** Any JSON value on one line, for a person. */
function json(value: unknown): string {
  return clean(JSON.stringify(value) ?? "null");
}

/** Drops C0/C1 control characters (ESC included) and line separators from untrusted text. */
function clean(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, "");
}
