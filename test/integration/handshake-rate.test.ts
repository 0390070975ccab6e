// One source re-handshaking in a loop: each TLS handshake costs the node about a millisecond of CPU, and
// costs the peer no more, so without a per-source rate one address could keep a core of the node busy.
// Performed on real sockets: TLS clients from 127.0.0.2 hammer a secure node on 127.0.0.1.
import { afterEach, describe, expect, it } from "vitest";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect, createSecureContext } from "node:tls";
import { performance } from "node:perf_hooks";
import { ephemeralIdentity } from "../../src/secure/identity.js";
import { tlsOptionsFor } from "../../src/secure/tls.js";
import { TcpNodes, waitUntil } from "./tcp-nodes.js";

const nodes = new TcpNodes();
afterEach(() => nodes.shutdown());

/** The attacker's TLS options: a key of its own, peerkit's ALPN, made once. */
function attackerSide(): ReturnType<typeof tlsOptionsFor> & { secureContext: ReturnType<typeof createSecureContext> } {
  const options = tlsOptionsFor(ephemeralIdentity());
  return { ...options, secureContext: createSecureContext(options) };
}

/**
 * One TLS handshake from `localAddress`: resolves "answered" when the node ran it (its certificate and
 * Finished arrived), else "unanswered" with the bytes the node sent before closing.
 */
function handshakeOnce(port: number, localAddress: string, side: ReturnType<typeof attackerSide>): Promise<{ answered: boolean; bytesFromNode: number }> {
  return new Promise((resolve) => {
    const raw = netConnect({ host: "127.0.0.1", port, localAddress });
    raw.on("error", () => {});
    raw.once("connect", () => {
      const tls = tlsConnect({ ...side, socket: raw });
      tls.on("error", () => {});
      tls.once("secureConnect", () => {
        tls.destroy();
        resolve({ answered: true, bytesFromNode: raw.bytesRead });
      });
      tls.once("close", () => resolve({ answered: false, bytesFromNode: raw.bytesRead }));
    });
    raw.once("close", () => resolve({ answered: false, bytesFromNode: raw.bytesRead }));
  });
}

describe("the handshake rate of one source (limits.handshakesPerSecondPerAddress)", () => {
  it("answers a source's burst, then closes its TLS connections before sending a byte; other sources are served", async () => {
    // 1 per second: even a slow machine runs the 60 attempts long before the bucket could refill for them all.
    const rate = 1;
    const burst = 10;
    const target = await nodes.start({ plugins: ["ping"], limits: { handshakesPerSecondPerAddress: rate, handshakeBurstPerAddress: burst } });
    const port = target.address!.port;
    const side = attackerSide();

    const attempts = 60;
    const results: Array<{ answered: boolean; bytesFromNode: number }> = [];
    const started = performance.now();
    for (let i = 0; i < attempts; i++) results.push(await handshakeOnce(port, "127.0.0.2", side));
    const elapsedSeconds = (performance.now() - started) / 1000;

    const answered = results.filter((r) => r.answered).length;
    // The bucket starts full and refills at `rate` per second while the loop runs.
    expect(answered).toBeGreaterThanOrEqual(burst);
    expect(answered).toBeLessThanOrEqual(burst + Math.ceil(rate * elapsedSeconds) + 1);
    const unanswered = results.filter((r) => !r.answered);
    expect(unanswered.length).toBeGreaterThan(0);
    // Refused before the node's TLS stack said anything: no ServerHello, no certificate.
    expect(unanswered.every((r) => r.bytesFromNode === 0)).toBe(true);

    // Another source is not held back by the one over its rate: an honest node joins from 127.0.0.1.
    const honest = await nodes.start({ plugins: ["ping"] });
    const peer = await honest.join("127.0.0.1", port);
    expect(peer.id).toBe(target.id);

    // Said once per run of refusals, naming the limit.
    await waitUntil(() => nodes.logger.entries.some((e) => /handshakesPerSecondPerAddress/.test(JSON.stringify(e))), "the refusal line");
    const lines = nodes.logger.entries.filter((e) => /handshakesPerSecondPerAddress/.test(JSON.stringify(e)));
    expect(lines.length).toBe(1);
  });

  it("writes the rate line at warn level even when another refusal was just logged (it is not hidden behind it)", async () => {
    const target = await nodes.start({ plugins: ["ping"], limits: { handshakesPerSecondPerAddress: 1, handshakeBurstPerAddress: 2 } });
    const port = target.address!.port;
    // A cheap failed handshake first: its line is written at warn level and starts the refusals' interval.
    await new Promise<void>((resolve) => {
      const junk = netConnect({ host: "127.0.0.1", port, localAddress: "127.0.0.1" });
      junk.on("error", () => {});
      junk.once("connect", () => junk.end(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x01, 0xff])));
      junk.once("close", () => resolve());
    });
    await waitUntil(() => nodes.logger.entries.some((e) => e.level === "warn"), "the failed handshake's line");
    const side = attackerSide();
    for (let i = 0; i < 6; i++) await handshakeOnce(port, "127.0.0.1", side);
    const rateLines = nodes.logger.entries.filter((e) => /handshakesPerSecondPerAddress/.test(JSON.stringify(e)));
    expect(rateLines[0]?.level).toBe("warn");
  });

  it("by default lets one source run 40 handshakes in a row (the burst), so ordinary reconnects are never refused", async () => {
    const target = await nodes.start({ plugins: ["ping"] });
    const side = attackerSide();
    const results = [];
    for (let i = 0; i < 40; i++) results.push(await handshakeOnce(target.address!.port, "127.0.0.3", side));
    expect(results.filter((r) => r.answered).length).toBe(40);
  });

  it("charges only handshakes the node answered: 60 stalled ones from an honest node's own address (each a complete first record) do not keep it out", async () => {
    const target = await nodes.start({ plugins: ["ping"] });
    const port = target.address!.port;
    const stalled: Array<ReturnType<typeof netConnect>> = [];
    for (let i = 0; i < 60; i++) {
      const socket = netConnect({ host: "127.0.0.1", port, localAddress: "127.0.0.1" });
      socket.on("error", () => {});
      // A whole TLS record holding the first 2 bytes of a ClientHello: the node waits for the rest.
      socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00]));
      stalled.push(socket);
      // One at a time, so that each pushes the oldest out of the source's pending slots (ending it).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const honest = await nodes.start({ plugins: ["ping"] });
    expect((await honest.join("127.0.0.1", port)).id).toBe(target.id);
    for (const socket of stalled) socket.destroy();
  });
});
