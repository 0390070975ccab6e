/**
 * Watching a transport from a test: a `Recorder` of its callbacks, `waitFor` to await what it records,
 * and `envelope` to make the frames it carries.
 */
import type { Envelope } from "../base/envelope.js";
import type { Connection, TransportHandlers } from "../transport/transport.js";

/** Records every callback a transport makes. */
export class Recorder implements TransportHandlers {
  readonly connections: Connection[] = [];
  readonly frames: Array<{ connection: Connection; envelope: Envelope }> = [];
  readonly disconnects: Array<{ connection: Connection; reason: string }> = [];
  /** Called for each frame before it is recorded; may throw, to test that the transport survives. */
  onFrame: (envelope: Envelope) => void = () => {};

  connection(connection: Connection): void {
    this.connections.push(connection);
  }
  frame(connection: Connection, envelope: Envelope): void {
    this.frames.push({ connection, envelope });
    this.onFrame(envelope);
  }
  disconnect(connection: Connection, reason: string): void {
    this.disconnects.push({ connection, reason });
  }

  /** The `msg` of every frame received, in order. */
  payloads(): unknown[] {
    return this.frames.map((frame) => frame.envelope.msg);
  }
  /** How many times `disconnect` was called for this connection. */
  disconnectsOf(connection: Connection): number {
    return this.disconnects.filter((entry) => entry.connection === connection).length;
  }
}

/** Polls `condition` until it holds, failing with `what` after a deadline. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** A valid envelope whose payload is `msg`. */
export function envelope(msg: unknown): Envelope {
  return { msg_type: "TEST", msg, originator: "contract", time: 1 };
}
