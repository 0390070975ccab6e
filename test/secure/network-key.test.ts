import { describe, expect, it } from "vitest";
import { NetworkKeyError } from "../../src/secure/errors.js";
import { networkKeyText, parseNetworkKey } from "../../src/secure/network-key.js";

describe("network keys", () => {
  it("are 64 lowercase hex characters, new each time, and parse back to their 32 bytes", () => {
    const text = networkKeyText();
    expect(text).toMatch(/^[0-9a-f]{64}$/);
    expect(networkKeyText()).not.toBe(text);
    expect(parseNetworkKey(text).toString("hex")).toBe(text);
  });

  it("ignore white space anywhere and accept upper case", () => {
    const text = networkKeyText();
    const spaced = `  ${text.slice(0, 32).toUpperCase()}\n\t${text.slice(32)}\r\n`;
    expect(parseNetworkKey(spaced).toString("hex")).toBe(text);
  });

  it("refuse anything else with a coded error that names the fix", () => {
    const text = networkKeyText();
    const cases: [string, RegExp][] = [
      ["", /it is empty/],
      [" \n", /it is empty/],
      [text.slice(0, 62), /62 hexadecimal characters instead of 64/],
      [`${text}00`, /66 hexadecimal characters instead of 64/],
      [`0x${text.slice(2)}`, /characters other than 0-9, a-f/],
      [`${text.slice(0, 63)}g`, /characters other than 0-9, a-f/],
    ];
    for (const [input, reason] of cases) {
      let caught: unknown;
      try {
        parseNetworkKey(input);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(NetworkKeyError);
      expect((caught as NetworkKeyError).code).toBe("ERR_NETWORK_KEY");
      expect((caught as Error).message).toMatch(reason);
      expect((caught as Error).message).toContain("peerkit network-key > FILE");
    }
  });
});
