// A man in the middle on 127.0.0.1: a TCP proxy (node:net) that forwards every connection it accepts
// to one target port, records every byte of each link, and can flip one byte of a live connection.
import { createServer, connect, type Server, type Socket } from "node:net";

/** One proxied connection: the bytes each way, as they crossed the proxy. */
export interface ProxyLink {
  /** Bytes from the dialling side to the target. */
  readonly toTarget: Buffer[];
  /** Bytes from the target back to the dialling side. */
  readonly toClient: Buffer[];
}

/** Chooses the byte to flip in a chunk going to the target: its offset, or undefined to let it pass. */
export type FlipChoice = (chunk: Buffer) => number | undefined;

/** A recording TCP proxy in front of `targetPort`; `close()` it in the test's cleanup. */
export class TcpProxy {
  /** Every connection proxied so far, in order of arrival. */
  readonly links: ProxyLink[] = [];
  private readonly sockets = new Set<Socket>();
  private flip: { choose: FlipChoice; done: () => void } | undefined;

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
  ) {
    server.on("connection", (client) => this.relay(client));
  }

  /** Starts a proxy on 127.0.0.1, port 0, forwarding to 127.0.0.1:`targetPort`. */
  static async start(targetPort: number): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, targetPort);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  /** The port to dial instead of the target's. */
  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** Every byte that crossed the proxy, both ways, on every link. */
  captured(): Buffer {
    return Buffer.concat(this.links.flatMap((link) => [...link.toTarget, ...link.toClient]));
  }

  /**
   * Flips (XOR 0x12) the byte `choose` picks in the next chunk going to the target for which it picks
   * one; resolves once a byte was flipped. One flip per call.
   */
  flipNext(choose: FlipChoice): Promise<void> {
    return new Promise((resolve) => (this.flip = { choose, done: resolve }));
  }

  /** Closes the listener and every proxied socket. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket): void {
    const link: ProxyLink = { toTarget: [], toClient: [] };
    this.links.push(link);
    const target = connect(this.targetPort, "127.0.0.1");
    for (const socket of [client, target]) {
      this.sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        this.sockets.delete(socket);
        client.destroy();
        target.destroy();
      });
    }
    client.on("data", (chunk: Buffer) => {
      const data = this.maybeFlip(chunk);
      link.toTarget.push(data);
      target.write(data);
    });
    target.on("data", (chunk: Buffer) => {
      link.toClient.push(chunk);
      client.write(chunk);
    });
  }

  private maybeFlip(chunk: Buffer): Buffer {
    const flip = this.flip;
    if (flip === undefined) return chunk;
    const at = flip.choose(chunk);
    if (at === undefined) return chunk;
    const copy = Buffer.from(chunk);
    copy[at] = copy[at]! ^ 0x12;
    this.flip = undefined;
    flip.done();
    return copy;
  }
}
