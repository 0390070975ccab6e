/**
 * One legacy message on a TCP connection of its own, as the original Python peers expect it: connect,
 * write the message, half-close, and wait for the peer to close (it reads once, then closes). Every
 * step is bounded in time, so a peer that never answers, or accepts and never closes (a tarpit), holds
 * the socket for a bounded time only.
 */
import { connect, type Socket } from "node:net";

/** What one send needs. */
export interface OneShotSend {
  host: string;
  port: number;
  /** The legacy message's text (no newline). */
  message: string;
  /** Longest wait for the TCP connect, in milliseconds (`limits.dialTimeoutMs`). */
  connectTimeoutMs: number;
  /** Longest wait, once connected, for the peer to take the message and close, in milliseconds (`limits.writeTimeoutMs`). */
  writeTimeoutMs: number;
  /** Registers the socket with the transport, so that closing the transport closes it. */
  track(socket: Socket): void;
}

/**
 * Opens the connection and sends the message. `done` is called exactly once, when the socket has
 * closed: with no argument when the peer took the message and closed, or with why it failed (an error
 * code such as ECONNREFUSED, or the timeout that expired; the socket is destroyed then). Returns the
 * socket, which the caller may destroy early (its owner is closing: `done` then reports no failure).
 */
export function sendOneShot(send: OneShotSend, done: (failure?: string) => void): Socket {
  const socket = connect({ host: send.host, port: send.port });
  send.track(socket);
  socket.setNoDelay(true);
  let failure: string | undefined;
  let closed = false;
  const fail = (reason: string): void => {
    failure ??= reason;
    socket.destroy();
  };
  let timer = setTimeout(() => fail(`no connection within ${send.connectTimeoutMs} ms (limits.dialTimeoutMs)`), send.connectTimeoutMs);
  socket.once("connect", () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => fail(`the peer did not take the message and close within ${send.writeTimeoutMs} ms (limits.writeTimeoutMs)`),
      send.writeTimeoutMs,
    );
    socket.end(send.message);
  });
  // Whatever the peer sends back is not part of the legacy protocol: read and discarded.
  socket.on("data", () => {});
  socket.on("error", (error: NodeJS.ErrnoException) => {
    failure ??= error.code ?? error.message;
  });
  socket.once("close", () => {
    clearTimeout(timer);
    if (closed) return;
    closed = true;
    done(failure);
  });
  return socket;
}
