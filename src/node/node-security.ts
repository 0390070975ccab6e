/**
 * What a node's `security` setting makes of it, at the composition root: its identity (the key its
 * peer id is derived from) and the secure channel its TCP transport runs on every connection.
 */
import { resolve } from "node:path";
import type { NodeConfig } from "../kernel/config.js";
import { randomPeerId } from "../kernel/config.js";
import { ephemeralIdentity, loadOrCreateIdentity, type Identity } from "../secure/identity.js";
import { readFileSync } from "node:fs";
import { errorMessage } from "../base/error-message.js";
import { NetworkKeyError } from "../secure/errors.js";
import { parseNetworkKey } from "../secure/network-key.js";
import { gateClient, gateServer, privateNetworkOf } from "../secure/private-network.js";
import { tlsChannel, type SocketGate } from "../secure/tls-channel.js";
import type { UsableIdCheck } from "../secure/usable-ids.js";
import type { SecureTransportOptions } from "../transport/secure-acceptor.js";

/** A node's identity and resolved peer id. */
export interface NodeIdentity {
  /** The node's peer id: its key's on a secure node, else the configured or a random one. */
  id: string;
  /** The key pair of a secure node; undefined under `security: "none"`. */
  identity: Identity | undefined;
}

/**
 * The identity of a node with this config: on a secure node, the key kept in `dataDir` (created on
 * first start; resolved against `baseDir`), a new one when there is no data dir, or `given`; under
 * `security: "none"`, no key and the configured (or a random) id.
 */
export function nodeIdentityOf(config: NodeConfig, given?: Identity): NodeIdentity {
  if (config.security === "none") return { id: config.id ?? randomPeerId(), identity: undefined };
  const identity = given ?? (config.dataDir !== undefined ? loadOrCreateIdentity(resolve(config.baseDir, config.dataDir)) : ephemeralIdentity());
  return { id: identity.peerId, identity };
}

/** The TCP transport's secure options for a secure node: TLS 1.3 on every connection, within the handshake budgets. */
export function secureTransportOptions(identity: Identity, config: NodeConfig, isUsableId?: UsableIdCheck): SecureTransportOptions {
  const { limits } = config;
  const network = config.networkKey === undefined ? undefined : privateNetworkOf(readNetworkKey(resolve(config.baseDir, config.networkKey)));
  const timeoutMs = limits.handshakeMs;
  const gate: SocketGate | undefined = network && ((socket, server) => (server ? gateServer(socket, network, timeoutMs) : gateClient(socket, network, timeoutMs)));
  return {
    channel: tlsChannel(identity, { gate, isUsableId }),
    handshakeTimeoutMs: limits.handshakeMs,
    maxHandshakes: limits.maxPendingConnections,
    maxHandshakesPerSource: limits.maxPendingPerAddress,
    handshakesPerSecondPerSource: limits.handshakesPerSecondPerAddress,
    handshakeBurstPerSource: limits.handshakeBurstPerAddress,
    // Behind a network key, a socket that did not prove it gets nothing: not even a legacy one-shot.
    plaintextOneShots: network === undefined,
  };
}

/** The network key in `path`; a file that cannot be read or holds no key throws ERR_NETWORK_KEY naming it. */
function readNetworkKey(path: string): Buffer {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new NetworkKeyError(`cannot read the network key file ${path} (${errorMessage(error)})`);
  }
  return parseNetworkKey(text);
}
