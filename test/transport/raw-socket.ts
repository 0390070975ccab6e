/** A plain `net` client for talking to a TCP transport the way `nc` would: bytes as given. */
import { connect, type Socket } from "node:net";
import type { Address } from "../../src/transport/transport.js";
import type { RawClient } from "../../src/testing/transport-contract.js";

/** A connected raw socket; `write` adds the newline, `socket.write` sends bytes as they are. */
export interface RawSocket extends RawClient {
  readonly socket: Socket;
}

/** Connects to `address`; resolves once connected. Errors (resets by the server) are expected and ignored. */
export async function openRawSocket(address: Address): Promise<RawSocket> {
  const socket = connect({ host: address.host, port: address.port });
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return {
    socket,
    write: (text) => void socket.write(text + "\n"),
    closed,
    close: () => {
      socket.destroy();
      return closed;
    },
  };
}
