/** Rules between the kernel's config fields, checked on the merged config (each layer may set one side). */
import type { ConfigProblem } from "../../base/errors.js";
import { getPluginMetadata } from "../decorators.js";
import { LEGACY_SCHEME, type BootstrapPeer, type CoreConfig, type PluginRef } from "./core-schema.js";
import { describeValue, truncate } from "./describe-value.js";

/** The name of the plugin that speaks the original Python peers' wire. */
const LEGACY_PLUGIN = "legacy";

/** Every rule between the kernel's fields that `config` breaks. */
export function checkCoreRules(config: CoreConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { maxClockSkewMs, seenCacheTtlMs } = config.limits;
  if (maxClockSkewMs * 2 > seenCacheTtlMs) {
    problems.push({
      path: "limits.maxClockSkewMs",
      expected: `at most half of limits.seenCacheTtlMs (${seenCacheTtlMs}): a message is accepted for twice the skew, and its id must be remembered that long`,
      received: describeValue(maxClockSkewMs),
    });
  }
  problems.push(...checkLegacyBootstrap(config), ...checkSecurity(config));
  return problems;
}

/** A secure node's id is its key's, and a network key needs the secure channel it gates. */
function checkSecurity(config: CoreConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (config.security === "tls" && config.id !== undefined) {
    problems.push({
      path: "id",
      expected:
        "no id on a secure node: its peer id is derived from its key (keep the key with --data-dir / dataDir to keep the id); only --insecure (security \"none\", plaintext protocol v1) keeps chosen ids",
      received: describeValue(config.id),
    });
  }
  if (config.networkKey !== undefined && loadsLegacy(config.plugins)) {
    problems.push({
      path: "networkKey",
      expected: 'no network key with the "legacy" plugin: the original Python peers speak plaintext and cannot prove the key; drop --legacy or the network key',
      received: describeValue(config.networkKey),
    });
  }
  if (config.security === "none" && config.networkKey !== undefined) {
    problems.push({
      path: "networkKey",
      expected: 'no network key with --insecure (security "none"): a private network needs the secure channel the key gates; drop one of the two',
      received: describeValue(config.networkKey),
    });
  }
  return problems;
}

/** Whether the plugin list loads the legacy plugin (by its built-in name, or as its class). */
function loadsLegacy(plugins: readonly PluginRef[]): boolean {
  return plugins.some((ref) => (typeof ref === "string" ? ref === LEGACY_PLUGIN : getPluginMetadata(ref)?.name === LEGACY_PLUGIN));
}

/** A legacy bootstrap peer needs the legacy plugin, which is off by default: it is the open door of issue 9. */
function checkLegacyBootstrap(config: CoreConfig): ConfigProblem[] {
  if (loadsLegacy(config.plugins)) return [];
  const problems: ConfigProblem[] = [];
  config.bootstrap.forEach((peer, index) => {
    if (!peer.legacy) return;
    problems.push({
      path: `bootstrap[${index}]`,
      expected: `the "legacy" plugin for an original Python peer: start with --legacy, or add "legacy" to the plugins field`,
      received: `${formatPeer(peer)} while the plugins do not include "legacy"`,
    });
  });
  return problems;
}

function formatPeer(peer: BootstrapPeer): string {
  const host = peer.host.includes(":") ? `[${peer.host}]` : peer.host;
  return truncate(`${LEGACY_SCHEME}${host}:${peer.port}`);
}
