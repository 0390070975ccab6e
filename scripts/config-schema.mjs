// Writes peerkit.schema.json, the JSON Schema of a config file, from the built package (`npm run schema`
// builds first). test/config/json-schema.test.ts fails when the committed file differs from what this writes.
import "reflect-metadata";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { configJsonSchema } from "../dist/node/config-json-schema.js";

const target = fileURLToPath(new URL("../peerkit.schema.json", import.meta.url));
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
