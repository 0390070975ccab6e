/**
 * What the transport compliance suite (`transportContract`) is given: a harness that builds the transport
 * under test and raw clients to it, and the test runner's functions.
 */
import type { TransportLimits } from "../transport/limits.js";
import type { Address, Transport } from "../transport/transport.js";

/** A client that writes frames' text verbatim, bypassing `encodeEnvelope`: how bad frames are sent. */
export interface RawClient {
  /** Sends `text` as one frame (the harness adds the newline where the wire needs one). */
  write(text: string): void;
  /** Resolves when the far end has closed the link. */
  readonly closed: Promise<void>;
  /** Closes the client; resolves when it is fully closed. */
  close(): Promise<void>;
}

/** What the suite needs from one kind of transport. A fresh harness is made for every test. */
export interface TransportHarness {
  /** A new transport with these limit overrides, able to reach the others of this harness. */
  create(limits?: Partial<TransportLimits>): Transport;
  /** Connects a raw client to a listening transport. */
  openRaw(address: Address): Promise<RawClient>;
}

/** The test runner's functions the suite uses (vitest's, or any runner's with the same API). */
export interface TestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void> | void): void;
  beforeEach(body: () => Promise<void> | void): void;
  afterEach(body: () => Promise<void> | void): void;
  // The suite uses the common matchers (toBe, toEqual, toMatchObject, rejects...): typed loosely on purpose.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  expect: (actual: unknown) => any;
}
