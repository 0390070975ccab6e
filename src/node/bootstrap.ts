/**
 * Joining the network from a list of addresses (the config's `bootstrap`), and the peer exchange that
 * follows a join: what `PeerNode.bootstrap` does, and what it does again when keepalive brings a peer back.
 */
import type { DialOptions } from "../transport/transport.js";
import type { KeepalivePlugin } from "../plugins/keepalive.js";
import { bootstrapDialect, type BootstrapPeer } from "../kernel/config.js";
import { SelfDialError } from "../base/errors.js";
import { errorMessage } from "../base/error-message.js";
import type { Logger } from "../base/logger.js";
import type { PeerInfo } from "../base/peer.js";

/** What bootstrapping uses of a node: the `PeerNode` members of the same names. */
export interface BootstrappingNode {
  readonly logger: Logger;
  join(host: string, port: number, options?: DialOptions): Promise<PeerInfo>;
  getPeersFrom(peerId: string): Promise<PeerInfo[]>;
  plugin<T extends object = object>(name: string): T | undefined;
}

/**
 * Joins each address, then exchanges peers with those joined: the work of `PeerNode.bootstrap`, whose doc
 * comment gives the rules. `isRunning` is asked after a join failed: only a running node keeps the address.
 */
export async function joinBootstrapPeers(node: BootstrappingNode, list: readonly BootstrapPeer[], isRunning: () => boolean): Promise<PeerInfo[]> {
  const joined = await Promise.all(
    list.map(async (entry) => {
      const { host, port } = entry;
      const dialect = bootstrapDialect(entry);
      try {
        return await node.join(host, port, { dialect });
      } catch (error) {
        node.logger.warn("could not join a bootstrap peer", { address: `${host}:${port}`, error: errorMessage(error) });
        const keepalive = isRunning() && !(error instanceof SelfDialError) ? node.plugin<KeepalivePlugin>("keepalive") : undefined;
        keepalive?.keepFailed(host, port, error, dialect);
        return undefined;
      }
    }),
  );
  const peers = joined.filter((peer): peer is PeerInfo => peer !== undefined);
  exchangePeers(node, peers);
  return peers;
}

/**
 * With the advertise plugin, asks each peer for its peers, in the background: a peer with nothing to
 * advertise never answers (the original Python peers send no empty reply), and nobody should wait for
 * that timeout.
 */
export function exchangePeers(node: BootstrappingNode, peers: readonly PeerInfo[]): void {
  if (!node.plugin("advertise")) return;
  for (const peer of peers) {
    node.getPeersFrom(peer.id).catch((error: unknown) =>
      node.logger.debug("peer exchange failed", { peer: peer.id, error: errorMessage(error) }),
    );
  }
}
