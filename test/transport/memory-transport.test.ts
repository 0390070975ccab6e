import { describe, expect, it } from "vitest";
import type { Envelope } from "../../src/base/envelope.js";
import { MemoryNetwork, MemoryTransport } from "../../src/transport/memory-transport.js";
import { envelope, Recorder } from "../../src/testing/transport-contract.js";

/** Two transports on one network, the second dialled into the first. */
async function linkedPair(network = new MemoryNetwork()) {
  const server = new MemoryTransport({ network });
  const serverRecorder = new Recorder();
  server.setHandlers(serverRecorder);
  const address = await server.listen("127.0.0.1", 0);
  const client = new MemoryTransport({ network });
  const clientRecorder = new Recorder();
  client.setHandlers(clientRecorder);
  const outbound = await client.dial(address.host, address.port);
  await network.settle();
  const close = () => Promise.all([server.close(), client.close()]);
  return { network, server, serverRecorder, client, clientRecorder, outbound, address, close };
}

describe("MemoryTransport", () => {
  it("hands out ports from 40000 up, per network", async () => {
    const network = new MemoryNetwork();
    const first = new MemoryTransport({ network });
    const second = new MemoryTransport({ network });
    first.setHandlers(new Recorder());
    second.setHandlers(new Recorder());
    expect((await first.listen("127.0.0.1", 0)).port).toBe(40_000);
    expect((await second.listen("127.0.0.1", 0)).port).toBe(40_001);
    await Promise.all([first.close(), second.close()]);
  });

  it("delivers a frame after send returns, never inside it", async () => {
    const pair = await linkedPair();
    pair.outbound.send(envelope("later"));
    expect(pair.serverRecorder.frames).toHaveLength(0);
    expect(pair.network.pending).toBe(1);
    await pair.network.settle();
    expect(pair.serverRecorder.payloads()).toEqual(["later"]);
    await pair.close();
  });

  it("settles only once replies to replies have been delivered", async () => {
    const pair = await linkedPair();
    pair.serverRecorder.onFrame = (received: Envelope) => {
      const hops = received.msg as number;
      if (hops > 0) pair.serverRecorder.connections[0]!.send(envelope(hops - 1));
    };
    pair.clientRecorder.onFrame = (received: Envelope) => {
      const hops = received.msg as number;
      if (hops > 0) pair.outbound.send(envelope(hops - 1));
    };
    pair.outbound.send(envelope(5));
    await pair.network.settle();
    expect(pair.serverRecorder.payloads()).toEqual([5, 3, 1]);
    expect(pair.clientRecorder.payloads()).toEqual([4, 2, 0]);
    await pair.close();
  });

  it("rejects settle() with ERR_SETTLE_TIMEOUT when handlers answer each other forever", async () => {
    const pair = await linkedPair();
    pair.serverRecorder.onFrame = () => void pair.serverRecorder.connections[0]!.send(envelope("ping"));
    pair.clientRecorder.onFrame = () => void pair.outbound.send(envelope("pong"));
    pair.outbound.send(envelope("start"));
    await expect(pair.network.settle(3)).rejects.toMatchObject({ code: "ERR_SETTLE_TIMEOUT" });
    await pair.close();
    await pair.network.settle();
  });

  it("passes sendRaw text to the far end's parser as one frame", async () => {
    const pair = await linkedPair();
    expect(pair.outbound.sendRaw('{"msg_type":"TEST","msg":"raw","originator":"x","time":1}')).toBe(true);
    expect(pair.outbound.sendRaw("{oops")).toBe(true);
    await pair.network.settle();
    expect(pair.serverRecorder.payloads()).toEqual(["raw"]);
    pair.outbound.close();
    expect(pair.outbound.sendRaw("closed")).toBe(false);
    await pair.close();
  });

  it("does not share objects between the ends", async () => {
    const pair = await linkedPair();
    const payload = { nested: { value: 1 } };
    pair.outbound.send(envelope(payload));
    payload.nested.value = 2;
    await pair.network.settle();
    expect(pair.serverRecorder.payloads()).toEqual([{ nested: { value: 1 } }]);
    await pair.close();
  });

  it("keeps networks apart: a transport cannot dial into another network", async () => {
    const pair = await linkedPair();
    const stranger = new MemoryTransport();
    stranger.setHandlers(new Recorder());
    await expect(stranger.dial(pair.address.host, pair.address.port)).rejects.toMatchObject({ code: "ERR_DIAL_FAILED" });
    await Promise.all([pair.close(), stranger.close()]);
  });
});
