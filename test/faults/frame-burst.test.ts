// limits.frameBurst holds however many frames one TCP read carries: the frames past the allowance wait,
// reading pauses, and both resume as the bucket refills (once a bug: the whole read was dispatched).
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { BroadcastEvent } from "../../src/kernel/node-events.js";
import { openRawSocket, type RawSocket } from "../transport/raw-socket.js";
import { TcpNodes, waitUntil } from "../integration/tcp-nodes.js";

const nodes = new TcpNodes();
const sockets: RawSocket[] = [];
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await nodes.shutdown();
});

describe("limits.frameBurst against frames packed into one TCP read", () => {
  it("dispatches no more than frameBurst frames (plus the rate) at once, however many one read carries", async () => {
    const a = await nodes.start({ id: "a", limits: { maxFramesPerSecond: 100, frameBurst: 20 } });
    const socket = await openRawSocket({ host: "127.0.0.1", port: a.address!.port });
    sockets.push(socket);
    let tests = 0;
    a.on("test", () => tests++);
    const frame = JSON.stringify({ msg_type: "TEST", msg: 1, originator: "x", time: 0 }) + "\n";
    socket.socket.write(frame.repeat(1000)); // ~50 KB: one or two reads on loopback
    await waitUntil(() => tests > 0, "the first frames");
    await sleep(200);
    // frameBurst 20 + 100/s x ~0.2 s = ~40; allow generous slack for a slow machine.
    expect(tests).toBeLessThanOrEqual(20 + 100 * 0.5);
  });
});
