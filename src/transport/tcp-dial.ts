/**
 * The outbound path of the TCP transport for NDJSON: a socket within the socket budget, connected
 * within `limits.dialTimeoutMs`, then (protocol v2) secured by the channel's client handshake.
 */
import { connect, type Socket } from "node:net";
import { errorMessage } from "../base/error-message.js";
import { DialError } from "../base/errors.js";
import type { Logger } from "../base/logger.js";
import type { SecureTransportOptions } from "./secure-acceptor.js";
import { addressOf, secureHandshake } from "./secure-channel.js";
import type { SocketBudget } from "./socket-budget.js";
import type { TcpConnection } from "./tcp-connection.js";
import type { Address } from "./transport.js";

/** What a dial reads of its transport. */
export interface TcpDialParts {
  readonly budget: SocketBudget;
  /** How long the TCP connect may take, in milliseconds (`limits.dialTimeoutMs`). */
  readonly dialTimeoutMs: number;
  /** The secure channel every connection runs first (protocol v2); undefined for plaintext protocol v1. */
  readonly secure: SecureTransportOptions | undefined;
  readonly logger: Logger;
  /** True once the transport is closing: a socket connected or secured then is closed. */
  readonly closing: () => boolean;
  /** Wraps the connected (or secured) socket as an outbound connection and tells the kernel. */
  readonly adopt: (socket: Socket, provenPeerId: string | undefined, remote: Address) => TcpConnection;
}

/**
 * Opens an NDJSON connection to `host:port`. Fails with ERR_DIAL_FAILED saying why: the socket budget,
 * the connect's error or timeout, the transport closing, or the secure handshake's failure.
 */
export function dialTcp(host: string, port: number, parts: TcpDialParts): Promise<TcpConnection> {
  const { budget, secure, logger } = parts;
  if (!budget.admit({ dial: `${host}:${port}` })) {
    return Promise.reject(new DialError(host, port, `the node already holds ${budget.size} sockets (limits.maxSockets ${budget.maxSockets})`));
  }
  const socket = connect({ host, port });
  budget.track(socket);
  return new Promise<TcpConnection>((resolve, reject) => {
    const timeoutMs = parts.dialTimeoutMs;
    const fail = (reason: string, cause?: unknown): void => {
      clearTimeout(timer);
      socket.off("connect", onConnect);
      socket.off("error", onError);
      socket.off("close", onClose);
      socket.destroy();
      reject(new DialError(host, port, reason, { cause }));
    };
    const onError = (error: NodeJS.ErrnoException): void => fail(error.code ?? error.message, error);
    const onClose = (): void => fail("the transport was closed while dialling");
    const onConnect = (): void => {
      clearTimeout(timer);
      socket.off("error", onError);
      socket.off("close", onClose);
      if (parts.closing()) {
        fail("the transport was closed while dialling");
        return;
      }
      if (!secure) {
        resolve(parts.adopt(socket, undefined, addressOf(socket)));
        return;
      }
      secureHandshake(secure.channel, socket, "client", secure.handshakeTimeoutMs).then(
        ({ socket: secured, peerId }) => {
          if (parts.closing()) {
            secured.destroy();
            reject(new DialError(host, port, "the transport was closed while dialling"));
          } else resolve(parts.adopt(secured, peerId, addressOf(socket)));
        },
        (error: unknown) => {
          // The DialError carries the reason to whoever dialled, who reports it (a /join, a bootstrap warning).
          logger.debug("could not open a secure connection", { dial: `${host}:${port}`, reason: errorMessage(error) });
          reject(new DialError(host, port, errorMessage(error), { cause: error }));
        },
      );
    };
    const timer = setTimeout(() => fail(`no connection within ${timeoutMs} ms (limits.dialTimeoutMs)`), timeoutMs);
    socket.once("connect", onConnect);
    socket.once("error", onError);
    socket.once("close", onClose);
  });
}
