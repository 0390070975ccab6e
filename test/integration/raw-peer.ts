// Attacker tools for integration tests: a handshaken raw peer that writes frames as given, and small
// listeners that play peers (answer PING with PONG) and count the connections they were dialled with.
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { waitUntil } from "./tcp-nodes.js";

/** A raw TCP client on 127.0.0.1 that completed the handshake as `id`, recording every line it received. */
export interface RawPeer {
  readonly id: string;
  readonly socket: Socket;
  /** Every complete line received, in order. */
  readonly lines: string[];
  /** Writes one line (the newline is added). */
  write(line: string): void;
  /** The received frames of one type, parsed. */
  framesOf(type: string): Array<Record<string, unknown>>;
}

/** Closes every raw peer and listener made by `rawPeer` and `fakePeerListeners`; call in afterEach. */
export async function closeRawPeers(): Promise<void> {
  for (const socket of openSockets.splice(0)) socket.destroy();
  await Promise.all(openServers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
}

const openSockets: Socket[] = [];
const openServers: Server[] = [];

/** A plain TCP client on 127.0.0.1 that records what it receives, as `nc` would. */
export interface RawClient {
  readonly socket: Socket;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  /** Everything received so far, as text. */
  received(): string;
}

/** Connects a raw client to `port` on 127.0.0.1; closed by `closeRawPeers`. */
export function rawClient(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    let text = "";
    const socket = connect(port, "127.0.0.1");
    openSockets.push(socket);
    const closed = new Promise<void>((done) => socket.on("close", () => done()));
    socket.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    socket.on("error", () => {});
    socket.once("connect", () => resolve({ socket, closed, received: () => text }));
    socket.once("error", reject);
  });
}

/** A frame as the wire carries it, dated now unless `time` is given. */
export function frame(type: string, msg: unknown, originator: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ msg_type: type, msg, originator, time: Date.now(), ...extra });
}

/**
 * Connects to a node, sends PING as `id` (claiming listening port 9) and waits for the PONG. With
 * `localAddress` (another 127.x.y.z), the node sees the peer come from that address.
 */
export async function rawPeer(port: number, id: string, localAddress?: string): Promise<RawPeer> {
  const socket = connect({ port, host: "127.0.0.1", ...(localAddress === undefined ? {} : { localAddress }) });
  openSockets.push(socket);
  socket.on("error", () => {});
  const lines: string[] = [];
  let buffered = "";
  socket.on("data", (chunk) => {
    buffered += chunk.toString("utf8");
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    lines.push(...parts);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const framesOf = (type: string) =>
    lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((f) => f.msg_type === type);
  const peer: RawPeer = { id, socket, lines, write: (line) => void socket.write(line + "\n"), framesOf };
  peer.write(frame("PING", { id, host: "127.0.0.1", port: 9 }, id));
  await waitUntil(() => framesOf("PONG").length === 1, `the PONG to ${id}`);
  return peer;
}

/** Listeners that answer a PING as a peer would, counting the connections made to them. */
export interface FakePeerListeners {
  /** Their addresses as an ADVERTISE_REPLY lists them. */
  readonly list: Array<{ id: string; host: string; port: number }>;
  /** Connections accepted, all listeners together. */
  accepted(): number;
}

/** Starts `n` listeners on 127.0.0.1, port 0, each answering PING with a PONG as `${prefix}-${i}`. */
export async function fakePeerListeners(n: number, prefix: string): Promise<FakePeerListeners> {
  let accepted = 0;
  const list: FakePeerListeners["list"] = [];
  for (let i = 0; i < n; i++) {
    const id = `${prefix}-${i}`;
    const server = createServer((socket) => {
      accepted++;
      openSockets.push(socket);
      socket.on("error", () => {});
      let buffered = "";
      socket.on("data", (chunk) => {
        buffered += chunk.toString("utf8");
        if (!buffered.includes('"msg_type":"PING"')) return;
        buffered = "";
        socket.write(frame("PONG", { id, host: "127.0.0.1", port: (server.address() as AddressInfo).port }, id) + "\n");
      });
    });
    openServers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    list.push({ id, host: "127.0.0.1", port: (server.address() as AddressInfo).port });
  }
  return { list, accepted: () => accepted };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago): dials to it are refused. */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
