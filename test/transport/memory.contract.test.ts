import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryNetwork, MemoryTransport } from "../../src/transport/memory-transport.js";
import type { Address } from "../../src/transport/transport.js";
import { transportContract, type RawClient } from "peerkit/testing";
import type { TransportLimits } from "peerkit";

/** A connection from a transport of its own, writing frames with `MemoryConnection.sendRaw`. */
async function openRawConnection(network: MemoryNetwork, address: Address): Promise<RawClient> {
  const transport = new MemoryTransport({ network });
  let markClosed = (): void => {};
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  transport.setHandlers({
    connection: () => {},
    frame: () => {},
    disconnect: () => markClosed(),
  });
  const connection = await transport.dial(address.host, address.port);
  return {
    write: (text) => void connection.sendRaw(text),
    closed,
    close: () => transport.close(),
  };
}

transportContract("memory", () => {
  const network = new MemoryNetwork();
  return {
    create: (limits?: Partial<TransportLimits>) => new MemoryTransport({ network, limits }),
    openRaw: (address: Address) => openRawConnection(network, address),
  };
}, { afterEach, beforeEach, describe, expect, it });
