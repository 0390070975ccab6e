import type { Limits } from "../../src/kernel/config.js";
import { MemoryNetwork, MemoryTransport } from "../../src/transport/memory-transport.js";
import type { Address } from "../../src/transport/transport.js";
import { transportContract, type RawClient } from "./contract.js";

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
    create: (limits?: Partial<Limits>) => new MemoryTransport({ network, limits }),
    openRaw: (address: Address) => openRawConnection(network, address),
  };
});
