// `NodeConfigInput` (what createNode and PluginHarness take) against the validator: every config of
// test/fixtures/config-inputs.ts is validated here, and the file is compiled as a strict plugin project
// would compile it, so a config the validator accepts but the type refuses (or the reverse) fails.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigInvalidError } from "../../src/base/errors.js";
import { defaultConfig } from "../../src/kernel/config.js";
import { validateConfigLayer } from "../../src/node/config-sections.js";
import { ACCEPTED, REFUSED } from "../fixtures/config-inputs.js";
import { typeCheck } from "../docs/type-check.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/config-inputs.ts", import.meta.url));

describe("NodeConfigInput accepts what the validator accepts", () => {
  it("compiles every accepted config, and no refused one, in a strict project (exactOptionalPropertyTypes)", () => {
    expect(typeCheck([FIXTURE])).toEqual([]);
  });

  it.each(Object.entries(ACCEPTED))("the validator accepts %s", async (_name, input) => {
    await expect(validateConfigLayer(input, "test", defaultConfig())).resolves.toBeDefined();
  });

  it.each(Object.entries(REFUSED))("the validator refuses %s", async (_name, input) => {
    await expect(validateConfigLayer(input, "test", defaultConfig())).rejects.toBeInstanceOf(ConfigInvalidError);
  });
});
