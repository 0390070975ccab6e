import { connect } from "node:net";
import { defaultConfig, DEFAULT_LIMITS, type Limits } from "../../src/kernel/config.js";
import { silentLogger } from "../../src/kernel/logger.js";
import { TcpTransport } from "../../src/transport/tcp-transport.js";
import type { Address } from "../../src/transport/transport.js";
import { transportContract, type RawClient } from "./contract.js";

/** A plain `net` socket: frames are written as given, followed by a newline. */
async function openRawSocket(address: Address): Promise<RawClient> {
  const socket = connect({ host: address.host, port: address.port });
  // The server may reset the connection while frames are still being written: expected here.
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return {
    write: (text) => void socket.write(text + "\n"),
    closed,
    close: () => {
      socket.destroy();
      return closed;
    },
  };
}

transportContract("TCP", () => ({
  create: (limits?: Partial<Limits>) =>
    new TcpTransport({ ...defaultConfig(), limits: { ...DEFAULT_LIMITS, ...limits } }, silentLogger),
  openRaw: openRawSocket,
}));
