import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, type Limits } from "../../src/kernel/config.js";
import { silentLogger } from "../../src/base/logger.js";
import { TcpTransport } from "../../src/transport/tcp-transport.js";
import { transportContract } from "peerkit/testing";
import { openRawSocket } from "./raw-socket.js";

transportContract("TCP", () => ({
  create: (limits?: Partial<Limits>) =>
    new TcpTransport({ limits: { ...DEFAULT_LIMITS, ...limits }, logger: silentLogger }),
  openRaw: openRawSocket,
}), { afterEach, beforeEach, describe, expect, it });
