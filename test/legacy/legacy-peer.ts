/**
 * A simulator of the original Python chat peer, written from the description of its wire in issue 5:
 * one TCP connection per message, one JSON object without newline, read once (up to 2,048 bytes),
 * `time` in ctime() format, list payloads, BROADCAST deduplicated by `(msg, time)`.
 */
import { createServer, connect, type Server, type Socket, type AddressInfo } from "node:net";
import { formatCtime } from "../../src/legacy/codec.js";

/** One message as a legacy peer sends it. */
export interface LegacyMessage {
  msg_type: string;
  msg: unknown;
  originator: string;
  time: string | number;
}

/** A legacy peer on 127.0.0.1, recording what it received. */
export class LegacyPeer {
  /** Peer id → its listening `[host, port]`. */
  readonly peers = new Map<string, [string, number]>();
  /** Every message received, in order. */
  readonly received: LegacyMessage[] = [];
  /** The raw text of every message received (to check sizes and framing). */
  readonly rawReceived: string[] = [];
  /** The BROADCAST texts shown to the user, in order. */
  readonly shown: Array<{ originator: string; text: string }> = [];
  private readonly seen = new Set<string>();
  private readonly sockets = new Set<Socket>();
  private server!: Server;
  port = 0;
  readonly host = "127.0.0.1";

  constructor(readonly id: string) {}

  /** Starts listening on a free port. */
  async start(): Promise<this> {
    this.server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve) => this.server.listen(0, this.host, resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening and closes every socket. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** PINGs a node at its listening address. */
  ping(host: string, port: number): void {
    this.send(host, port, "PING", [this.host, this.port]);
  }

  /** Asks a peer for its peers. */
  advertise(peerId: string): void {
    const [host, port] = this.peers.get(peerId)!;
    this.send(host, port, "ADVERTISE", "");
  }

  /** Sends a chat line to every peer. */
  broadcast(text: string): void {
    const time = formatCtime(Date.now());
    this.seen.add(`${text}\u0000${time}`);
    for (const [host, port] of this.peers.values()) this.send(host, port, "BROADCAST", text, this.id, time);
  }

  /** Sends a TEST message to a peer. */
  test(peerId: string, text: string): void {
    const [host, port] = this.peers.get(peerId)!;
    this.send(host, port, "TEST", text);
  }

  /** The messages of one type received so far. */
  receivedOf(type: string): LegacyMessage[] {
    return this.received.filter((m) => m.msg_type === type);
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => {});
    // The original reads once, up to 2,048 bytes, and closes.
    socket.once("data", (chunk: Buffer) => {
      const text = chunk.subarray(0, 2048).toString("utf8");
      socket.destroy();
      this.rawReceived.push(text);
      let message: LegacyMessage;
      try {
        message = JSON.parse(text) as LegacyMessage;
      } catch {
        return;
      }
      this.received.push(message);
      this.handle(message);
    });
  }

  private handle(m: LegacyMessage): void {
    switch (m.msg_type) {
      case "PING": {
        const [host, port] = m.msg as [string, number];
        this.peers.set(m.originator, [host, port]);
        this.send(host, port, "PONG", [this.host, this.port]);
        break;
      }
      case "PONG":
        this.peers.set(m.originator, m.msg as [string, number]);
        break;
      case "ADVERTISE": {
        const requester = this.peers.get(m.originator);
        if (!requester) break;
        for (const [id, address] of this.peers) {
          if (id !== m.originator) this.send(requester[0], requester[1], "ADVERTISE_REPLY", [id, address]);
        }
        break;
      }
      case "ADVERTISE_REPLY": {
        const [, [host, port]] = m.msg as [string, [string, number]];
        this.ping(host, port);
        break;
      }
      case "BROADCAST": {
        if (m.originator === this.id) break;
        const key = `${String(m.msg)}\u0000${String(m.time)}`;
        if (this.seen.has(key)) break;
        this.seen.add(key);
        this.shown.push({ originator: m.originator, text: String(m.msg) });
        for (const [id, [host, port]] of this.peers) {
          if (id !== m.originator) this.send(host, port, "BROADCAST", m.msg, m.originator, m.time);
        }
        break;
      }
    }
  }

  private send(host: string, port: number, type: string, msg: unknown, originator = this.id, time: string | number = formatCtime(Date.now())): void {
    const socket = connect(port, host);
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => {});
    socket.on("connect", () => socket.end(JSON.stringify({ msg_type: type, msg, originator, time })));
  }
}
