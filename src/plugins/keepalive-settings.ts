/**
 * The `keepalive` config section, owned by the keepalive plugin: when a silent peer is pinged and
 * dropped, and how kept peers are redialled. Declared in the plugin's metadata (`@plugin({ config })`),
 * so the kernel validates it without knowing the plugin.
 */
import { defineConfigSection, timerMs, type SectionSettings } from "../plugin-api.js";

const KEEPALIVE_FIELDS = {
  intervalMs: timerMs(1, "A connection silent this long (no frame at all) is sent a PING, in milliseconds."),
  timeoutMs: timerMs(1, "A peer silent this long (no PONG, no other frame) is dropped, in milliseconds. More than intervalMs."),
  redialBaseMs: timerMs(1, "First delay before redialling a kept peer after it dropped, in milliseconds; doubles per failed attempt."),
  redialMaxMs: timerMs(1, "Longest delay between two redial attempts, in milliseconds. At least redialBaseMs."),
};

/** Settings of the built-in keepalive plugin. */
export type KeepaliveSettings = SectionSettings<typeof KEEPALIVE_FIELDS>;

/** The `keepalive` section: its fields, their defaults and the rules between them. */
export const KEEPALIVE_SECTION = defineConfigSection({
  name: "keepalive",
  description: "Settings of the keepalive plugin (used only when it is loaded).",
  example: '{ "intervalMs": 5000 }',
  fields: KEEPALIVE_FIELDS,
  defaults: { intervalMs: 5_000, timeoutMs: 15_000, redialBaseMs: 1_000, redialMaxMs: 30_000 },
  rules: [
    ({ intervalMs, timeoutMs }) =>
      timeoutMs <= intervalMs
        ? { field: "timeoutMs", expected: `more than keepalive.intervalMs (${intervalMs}), or peers are dropped before they are pinged`, value: timeoutMs }
        : undefined,
    ({ redialBaseMs, redialMaxMs }) =>
      redialMaxMs < redialBaseMs ? { field: "redialMaxMs", expected: `at least keepalive.redialBaseMs (${redialBaseMs})`, value: redialMaxMs } : undefined,
  ],
});

/** The default keepalive settings. */
export const DEFAULT_KEEPALIVE: Readonly<KeepaliveSettings> = KEEPALIVE_SECTION.defaults;

declare module "../kernel/config.js" {
  interface PluginSections {
    keepalive: typeof KEEPALIVE_SECTION;
  }
}
