/**
 * Raw TCP tools for attacking a node's legacy dialect on 127.0.0.1: one-shot legacy messages, and
 * listeners that record (or tarpit) the connections a node opens to them.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { DEFAULT_PLUGINS } from "../../src/kernel/config.js";
import { formatCtime } from "../../src/legacy/codec.js";

/** A legacy message as the original peers send it. */
export function legacyMessage(msg_type: string, msg: unknown, originator: string, time: string | number = formatCtime(Date.now())): string {
  return JSON.stringify({ msg_type, msg, originator, time });
}

/**
 * Sends one message on a connection of its own, the legacy way (no newline, then half-close), and
 * resolves once the node has closed that connection: by then it has handled the message.
 */
export function sendOneShot(port: number, text: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    socket.on("data", () => {});
    socket.on("connect", () => socket.end(text));
    socket.on("close", () => resolve());
  });
}

/** Sends `count` one-shot messages, `concurrency` at a time; `text(i)` makes the i-th. */
export async function sendMany(port: number, count: number, text: (i: number) => string, concurrency = 4): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await sendOneShot(port, text(next++));
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** A message a `Recorder` received. */
export interface Received {
  msg_type: string;
  msg: unknown;
  originator: string;
}

/**
 * A listener on 127.0.0.1 that counts the connections made to it: the victim of an amplification, or
 * (with `tarpit`) a "legacy peer" that accepts and never reads nor closes.
 */
export class Recorder {
  /** Connections accepted so far. */
  accepted = 0;
  /** Messages received (each connection's text, parsed), in order of arrival. */
  readonly received: Received[] = [];
  private readonly open = new Set<Socket>();
  private server!: Server;
  port = 0;

  constructor(private readonly tarpit = false) {}

  /** Starts listening on a free port. */
  async start(): Promise<this> {
    this.server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** The messages of one type received so far. */
  of(type: string): Received[] {
    return this.received.filter((m) => m.msg_type === type);
  }

  /** Closes every connection and stops listening. */
  async stop(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.accepted++;
    this.open.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => this.open.delete(socket));
    if (this.tarpit) {
      // Never read, never close: the node's data sits in the socket buffers (and its FIN, unread, too).
      socket.pause();
      return;
    }
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("end", () => {
      socket.destroy();
      try {
        this.received.push(JSON.parse(text) as Received);
      } catch {
        // Not a message: counted as a connection only.
      }
    });
  }
}

/**
 * The default plugins and `legacy`. Appended only when missing, so that the attack tests run unchanged
 * against 9f3bddc, where `legacy` was one of the defaults: they must fail there with legacy enabled.
 */
export const WITH_LEGACY: string[] = DEFAULT_PLUGINS.includes("legacy") ? [...DEFAULT_PLUGINS] : [...DEFAULT_PLUGINS, "legacy"];
