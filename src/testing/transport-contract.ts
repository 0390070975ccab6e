/**
 * The transport compliance suite (DESIGN.md §5): one set of behaviours every `Transport` must show. peerkit
 * runs it against its TCP and in-memory transports; a third-party transport runs it to prove itself:
 *
 * @example
 *   import { afterEach, beforeEach, describe, expect, it } from "vitest";
 *   import { transportContract } from "peerkit/testing";
 *   transportContract("my", () => ({ create: (limits) => new MyTransport(limits), openRaw: myRawClient }),
 *     { afterEach, beforeEach, describe, expect, it });
 *
 * The test functions are passed in, so the suite runs under vitest or any runner with the same API.
 */
import type { Envelope } from "../base/envelope.js";
import { PeerkitError } from "../base/errors.js";
import type { TransportLimits } from "../transport/limits.js";
import type { Address, Transport } from "../transport/transport.js";
import type { RawClient, TestApi, TransportHarness } from "./transport-harness.js";
import { envelope, Recorder, waitFor } from "./transport-recorder.js";

// The suite and its helpers stay importable from this one module.
export type { RawClient, TestApi, TransportHarness } from "./transport-harness.js";
export { envelope, Recorder, waitFor } from "./transport-recorder.js";

const HOST = "127.0.0.1";

/** Runs the compliance suite against the transport built by `makeHarness`, with the runner's `test` functions. */
export function transportContract(name: string, makeHarness: () => TransportHarness, test: TestApi): void {
  const { afterEach, beforeEach, describe, expect, it } = test;
  describe(`${name} transport contract`, () => {
    let harness: TransportHarness;
    const transports: Transport[] = [];
    const rawClients: RawClient[] = [];

    function transport(limits?: Partial<TransportLimits>): { transport: Transport; recorder: Recorder } {
      const created = harness.create(limits);
      const recorder = new Recorder();
      created.setHandlers(recorder);
      transports.push(created);
      return { transport: created, recorder };
    }

    async function listening(limits?: Partial<TransportLimits>): Promise<{ transport: Transport; recorder: Recorder; address: Address }> {
      const made = transport(limits);
      return { ...made, address: await made.transport.listen(HOST, 0) };
    }

    async function raw(address: Address): Promise<RawClient> {
      const client = await harness.openRaw(address);
      rawClients.push(client);
      return client;
    }

    /** A listener and a dialler connected to it, with both ends of the link. */
    async function connectedPair(limits?: Partial<TransportLimits>) {
      const server = await listening(limits);
      const client = transport(limits);
      const outbound = await client.transport.dial(HOST, server.address.port);
      await waitFor(() => server.recorder.connections.length === 1, "the inbound connection");
      const inbound = server.recorder.connections[0]!;
      return { server, client, outbound, inbound };
    }

    beforeEach(() => {
      harness = makeHarness();
    });

    afterEach(async () => {
      await Promise.all(rawClients.splice(0).map((client) => client.close()));
      await Promise.all(transports.splice(0).map((t) => t.close()));
    });

    it("listens on port 0 and reports the real port it bound", async () => {
      const { transport: listener, address } = await listening();
      expect(address.host).toBe(HOST);
      expect(address.port).toBeGreaterThan(0);
      expect(listener.address()).toEqual(address);
    });

    it("carries frames both ways over one connection, with the direction of each end", async () => {
      const { server, client, outbound, inbound } = await connectedPair();
      expect(outbound.direction).toBe("outbound");
      expect(inbound.direction).toBe("inbound");
      expect(outbound.remote).toEqual(server.address);
      expect(client.recorder.connections).toEqual([outbound]);
      expect(outbound.id).not.toBe("");

      expect(outbound.send(envelope("hello"))).toBe(true);
      await waitFor(() => server.recorder.frames.length === 1, "the frame at the listener");
      expect(server.recorder.frames[0]!.connection).toBe(inbound);

      expect(inbound.send(envelope("hi back"))).toBe(true);
      await waitFor(() => client.recorder.frames.length === 1, "the reply at the dialler");
      expect(client.recorder.frames[0]!.connection).toBe(outbound);
      expect(client.recorder.frames[0]!.envelope).toEqual(envelope("hi back"));
    });

    it("preserves the order of frames in each direction", async () => {
      const { server, client, outbound, inbound } = await connectedPair();
      for (const word of ["one", "two", "three"]) {
        outbound.send(envelope(word));
        inbound.send(envelope(word.toUpperCase()));
      }
      await waitFor(() => server.recorder.frames.length === 3 && client.recorder.frames.length === 3, "six frames");
      expect(server.recorder.payloads()).toEqual(["one", "two", "three"]);
      expect(client.recorder.payloads()).toEqual(["ONE", "TWO", "THREE"]);
    });

    it("delivers 1,000 frames sent in a burst, in order", async () => {
      const { server, outbound } = await connectedPair();
      const sent = Array.from({ length: 1_000 }, (_, n) => ({ n, text: `frame ${n} ✓` }));
      for (const payload of sent) outbound.send(envelope(payload));
      await waitFor(() => server.recorder.frames.length === sent.length, "1,000 frames");
      expect(server.recorder.payloads()).toEqual(sent);
    });

    it("delivers every field of an envelope, optional ones included, as a copy", async () => {
      const { server, outbound } = await connectedPair();
      const sent: Envelope = { msg_type: "BROADCAST", msg: { text: "hi", list: [1, null] }, originator: "a", time: 5, id: "m1", to: "b", ttl: 3, extra: true } as Envelope;
      outbound.send(sent);
      await waitFor(() => server.recorder.frames.length === 1, "the frame");
      expect(server.recorder.frames[0]!.envelope).toEqual(sent);
      expect(server.recorder.frames[0]!.envelope).not.toBe(sent);
    });

    it("fires disconnect exactly once on both ends when one end closes", async () => {
      const { server, client, outbound, inbound } = await connectedPair();
      outbound.close("done talking");
      outbound.close("again");
      expect(outbound.closed).toBe(true);
      await waitFor(() => client.recorder.disconnects.length === 1 && server.recorder.disconnects.length === 1, "both disconnects");
      expect(client.recorder.disconnects[0]!.reason).toBe("done talking");
      expect(inbound.closed).toBe(true);
      inbound.close("late");
      await Promise.all([server.transport.close(), client.transport.close()]);
      expect(client.recorder.disconnectsOf(outbound)).toBe(1);
      expect(server.recorder.disconnectsOf(inbound)).toBe(1);
    });

    it("delivers the frames sent before a close, then the disconnect", async () => {
      const { server, outbound, inbound } = await connectedPair();
      outbound.send(envelope(1));
      outbound.send(envelope(2));
      outbound.close();
      await waitFor(() => server.recorder.disconnects.length === 1, "the disconnect");
      expect(server.recorder.payloads()).toEqual([1, 2]);
      expect(server.recorder.disconnectsOf(inbound)).toBe(1);
    });

    it("returns false from send after close, without throwing", async () => {
      const { server, outbound, inbound } = await connectedPair();
      outbound.close();
      expect(outbound.send(envelope("too late"))).toBe(false);
      await waitFor(() => server.recorder.disconnects.length === 1, "the far end's disconnect");
      expect(inbound.send(envelope("too late as well"))).toBe(false);
    });

    it("rejects a dial to a port nobody listens on with ERR_DIAL_FAILED", async () => {
      const { transport: gone, address } = await listening();
      await gone.close();
      const { transport: dialler } = transport();
      await expect(dialler.dial(HOST, address.port)).rejects.toMatchObject({ code: "ERR_DIAL_FAILED" });
    });

    it("rejects listening on an address already in use with ERR_LISTEN", async () => {
      const { address } = await listening();
      const { transport: second } = transport();
      const failure = second.listen(HOST, address.port);
      await expect(failure).rejects.toMatchObject({ code: "ERR_LISTEN" });
      await expect(failure).rejects.toThrow(`${HOST}:${address.port}`);
    });

    it("rejects bad frames, delivers the good ones, and closes after limits.maxBadFrames is exceeded", async () => {
      const server = await listening({ maxBadFrames: 3 });
      const client = await raw(server.address);
      client.write(JSON.stringify(envelope("first")));
      client.write("{not json");
      client.write("[1, 2, 3]");
      client.write(JSON.stringify({ msg_type: "TEST", msg: 1, time: 1 }));
      client.write(JSON.stringify(envelope("second")));
      await waitFor(() => server.recorder.frames.length === 2, "the good frames between the bad ones");
      expect(server.recorder.disconnects).toEqual([]);

      client.write('"a string"');
      await client.closed;
      await waitFor(() => server.recorder.disconnects.length === 1, "the disconnect");
      expect(server.recorder.payloads()).toEqual(["first", "second"]);
      expect(server.recorder.disconnects[0]!.reason).toBe("too many bad frames (4 > limits.maxBadFrames 3)");
    });

    it("counts Connection.rejectFrame against limits.maxBadFrames", async () => {
      const { server, outbound, inbound } = await connectedPair({ maxBadFrames: 1 });
      inbound.rejectFrame("wrong payload shape for TEST");
      expect(inbound.closed).toBe(false);
      inbound.rejectFrame("wrong payload shape for TEST");
      expect(inbound.closed).toBe(true);
      await waitFor(() => server.recorder.disconnects.length === 1, "the disconnect");
      expect(server.recorder.disconnects[0]!.reason).toBe("too many bad frames (2 > limits.maxBadFrames 1)");
      await waitFor(() => outbound.closed, "the dialler's end to close");
    });

    it("closes the connection when a frame exceeds limits.maxFrameBytes", async () => {
      const server = await listening({ maxFrameBytes: 1_024 });
      const client = await raw(server.address);
      client.write(JSON.stringify(envelope("small")));
      client.write(JSON.stringify(envelope("x".repeat(4_096))));
      await client.closed;
      await waitFor(() => server.recorder.disconnects.length === 1, "the disconnect");
      expect(server.recorder.payloads()).toEqual(["small"]);
      expect(server.recorder.disconnects[0]!.reason).toMatch(/limits\.maxFrameBytes \(1024 bytes\)/);
    });

    it("keeps reading after a frame handler throws", async () => {
      const { server, outbound } = await connectedPair();
      server.recorder.onFrame = (received) => {
        if (received.msg === "boom") throw new Error("handler bug");
      };
      outbound.send(envelope("boom"));
      outbound.send(envelope("after"));
      await waitFor(() => server.recorder.frames.length === 2, "the frame after the throw");
      expect(server.recorder.payloads()).toEqual(["boom", "after"]);
      expect(outbound.closed).toBe(false);
    });

    it("closes an inbound connection at once beyond limits.maxSockets", async () => {
      const server = await listening({ maxSockets: 1 });
      const { transport: dialler, recorder } = transport();
      const first = await dialler.dial(HOST, server.address.port);
      await waitFor(() => server.recorder.connections.length === 1, "the first connection");
      const second = await dialler.dial(HOST, server.address.port);
      await waitFor(() => recorder.disconnectsOf(second) === 1, "the refused connection to close");
      expect(server.recorder.connections).toHaveLength(1);
      expect(first.closed).toBe(false);
      expect(first.send(envelope("still here"))).toBe(true);
      await waitFor(() => server.recorder.frames.length === 1, "a frame on the first connection");
    });

    it("closes every connection and resolves on close(), idempotently", async () => {
      const server = await listening();
      const { transport: dialler, recorder } = transport();
      const links = [await dialler.dial(HOST, server.address.port), await dialler.dial(HOST, server.address.port)];
      await waitFor(() => server.recorder.connections.length === 2, "two inbound connections");

      const closing = server.transport.close();
      expect(server.transport.close()).toBe(closing);
      await closing;
      expect(server.recorder.disconnects).toHaveLength(2);
      expect(server.recorder.connections.every((connection) => connection.closed)).toBe(true);
      expect(server.transport.address()).toBeUndefined();
      await waitFor(() => recorder.disconnects.length === 2, "the dialler's disconnects");
      expect(links.every((link) => link.closed)).toBe(true);
    });

    it("rejects dial and listen after close with a PeerkitError", async () => {
      const server = await listening();
      const { transport: closed } = transport();
      await closed.close();
      await expect(closed.dial(HOST, server.address.port)).rejects.toBeInstanceOf(PeerkitError);
      await expect(closed.listen(HOST, 0)).rejects.toBeInstanceOf(PeerkitError);
    });
  });
}
