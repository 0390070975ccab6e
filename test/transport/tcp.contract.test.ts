import { defaultConfig, DEFAULT_LIMITS, type Limits } from "../../src/kernel/config.js";
import { silentLogger } from "../../src/kernel/logger.js";
import { TcpTransport } from "../../src/transport/tcp-transport.js";
import { transportContract } from "./contract.js";
import { openRawSocket } from "./raw-socket.js";

transportContract("TCP", () => ({
  create: (limits?: Partial<Limits>) =>
    new TcpTransport({ ...defaultConfig(), limits: { ...DEFAULT_LIMITS, ...limits } }, silentLogger),
  openRaw: openRawSocket,
}));
