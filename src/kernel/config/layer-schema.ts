/**
 * The kernel's fields as one layer of config writes them (a file, the flags, the `createNode` argument):
 * every field optional, `limits` field by field. `validateConfig` checks a layer with these schemas, and
 * `CoreConfigInput`, the type `createNode` takes, is inferred from the same schemas, so the type accepts
 * exactly what the validator does.
 */
import * as v from "valibot";
import { CORE_FIELDS } from "./core-schema.js";
import { LIMIT_FIELDS } from "./limits-schema.js";
import { optionalFields, plainObject, type ConfigInput } from "./schema-kit.js";

/**
 * The schemas of the kernel's fields in one config layer. `limitBelongsElsewhere` names where an unknown
 * field of `limits` belongs instead (`limits.intervalMs`: in `keepalive.intervalMs`), if anywhere.
 */
export function coreLayerEntries(limitBelongsElsewhere?: (field: string) => string | undefined) {
  const { limits: _limits, options, baseDir, ...fields } = CORE_FIELDS;
  return {
    ...optionalFields(fields),
    limits: v.optional(
      v.pipe(
        plainObject(optionalFields(LIMIT_FIELDS), { expected: 'an object of limits, e.g. { "maxPeers": 32 }', belongsElsewhere: limitBelongsElsewhere }),
        v.description("Resource limits; each one left out keeps its default."),
      ),
    ),
    options: v.optional(options),
    baseDir: v.optional(baseDir),
  };
}

/**
 * What a config may write of the kernel's fields: any of them (or `undefined`), `limits` field by field,
 * `bootstrap` entries as `"host:port"` strings or objects, arrays readonly or not.
 */
export type CoreConfigInput = ConfigInput<ReturnType<typeof coreLayerEntries>>;
