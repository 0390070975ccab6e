/**
 * What a node's `security` setting makes of it, at the composition root: its identity (the key its
 * peer id is derived from) and the secure channel its TCP transport runs on every connection.
 */
import { resolve } from "node:path";
import type { NodeConfig } from "../kernel/config.js";
import { randomPeerId } from "../kernel/config.js";
import { ephemeralIdentity, loadOrCreateIdentity, type Identity } from "../secure/identity.js";
import { ConfigInvalidError } from "../base/errors.js";
import { tlsChannel } from "../secure/tls-channel.js";
import type { SecureTransportOptions } from "../transport/tcp-transport.js";

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
export function secureTransportOptions(identity: Identity, config: NodeConfig): SecureTransportOptions {
  const { limits } = config;
  if (config.networkKey !== undefined) {
    throw new ConfigInvalidError("the createNode() config", [
      { path: "networkKey", expected: "no network key yet: private networks are not wired in this build", received: JSON.stringify(config.networkKey) },
    ]);
  }
  return {
    channel: tlsChannel(identity),
    handshakeTimeoutMs: limits.handshakeMs,
    maxHandshakes: limits.maxPendingConnections,
    maxHandshakesPerSource: limits.maxPendingPerAddress,
    plaintextOneShots: true,
  };
}
