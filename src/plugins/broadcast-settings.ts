/**
 * The `broadcast` config section, owned by the broadcast plugin: how a BROADCAST is spread, and the
 * tuning of tree mode (Plumtree). Declared in the plugin's metadata (`@plugin({ config })`), so the
 * kernel validates it without knowing the plugin.
 */
import { defineConfigSection, integerIn, timerMs, v, type SectionSettings } from "../plugin-api.js";
import { MAX_PLUMTREE_IDS } from "./plumtree-wire.js";

/** How the broadcast plugin spreads a BROADCAST: to every peer (`flood`), or along a self-repairing tree (`tree`). */
export type BroadcastMode = "flood" | "tree";

const BROADCAST_FIELDS = {
  mode: v.pipe(
    v.picklist(["flood", "tree"] as const satisfies readonly BroadcastMode[], '"flood" or "tree"'),
    v.description("flood: forward every new BROADCAST to every other peer. tree: Plumtree (eager push on a tree, IHAVE on the other links)."),
  ),
  ihaveIntervalMs: timerMs(0, "Longest wait before announcing new message ids to lazy peers in one IHAVE, in milliseconds (0: the next timer turn)."),
  ihaveMaxIds: integerIn(1, MAX_PLUMTREE_IDS, `Most ids in one IHAVE; a full batch is sent at once. At most ${MAX_PLUMTREE_IDS}.`),
  graftTimeoutMs: timerMs(1, "How long an announced message may stay missing before it is requested (GRAFT) from the first announcer, in milliseconds."),
  graftRetryMs: timerMs(1, "How long after a GRAFT the next announcer is asked, while the message is still missing, in milliseconds."),
  storeSize: integerIn(
    1,
    undefined,
    "Most recent BROADCAST envelopes kept to answer GRAFT (and most missing ids waited for). Should hold the traffic of graftTimeoutMs plus a few graftRetryMs.",
  ),
  storeTtlMs: timerMs(1, "How long a BROADCAST envelope is kept to answer GRAFT, in milliseconds."),
};

/**
 * Settings of the built-in broadcast plugin. Only `mode` matters in flood mode; the others tune the
 * epidemic broadcast tree (Plumtree) of `tree` mode.
 */
export type BroadcastSettings = SectionSettings<typeof BROADCAST_FIELDS>;

/** The `broadcast` section: its fields, their defaults (flooding, as before tree mode existed) and rules. */
export const BROADCAST_SECTION = defineConfigSection({
  name: "broadcast",
  description: "Settings of the broadcast plugin (used only when it is loaded).",
  example: '{ "mode": "tree" }',
  fields: BROADCAST_FIELDS,
  defaults: {
    mode: "flood",
    ihaveIntervalMs: 50,
    ihaveMaxIds: 256,
    graftTimeoutMs: 500,
    graftRetryMs: 250,
    storeSize: 4_096,
    storeTtlMs: 30_000,
  },
  rules: [
    ({ graftTimeoutMs, graftRetryMs }) =>
      graftRetryMs > graftTimeoutMs
        ? { field: "graftRetryMs", expected: `at most broadcast.graftTimeoutMs (${graftTimeoutMs}): the retry timer is the shorter one`, value: graftRetryMs }
        : undefined,
  ],
});

/** The default broadcast settings: flooding, as before the tree mode existed. */
export const DEFAULT_BROADCAST: Readonly<BroadcastSettings> = BROADCAST_SECTION.defaults;

declare module "../kernel/config.js" {
  interface PluginSections {
    broadcast: typeof BROADCAST_SECTION;
  }
}
