import { describe, expect, it } from "vitest";
import { networkGroup, sourceKeyOf } from "../../src/kernel/admission.js";

describe("networkGroup", () => {
  it("groups IPv4 addresses by /16, IPv4-mapped ones included", () => {
    expect(networkGroup("203.0.113.7")).toBe("203.0/16");
    expect(networkGroup("203.0.200.1")).toBe(networkGroup("203.0.113.7"));
    expect(networkGroup("::ffff:203.0.113.7")).toBe("203.0/16");
    expect(networkGroup("203.1.113.7")).not.toBe(networkGroup("203.0.113.7"));
  });

  it("groups IPv6 addresses by /32, however they are abbreviated", () => {
    expect(networkGroup("2001:db8::1")).toBe("2001:db8::/32");
    expect(networkGroup("2001:0db8:ffff::2")).toBe("2001:db8::/32");
    expect(networkGroup("2001:db9::1")).not.toBe(networkGroup("2001:db8::1"));
    expect(networkGroup("::1")).toBe("0:0::/32");
  });
});

describe("sourceKeyOf", () => {
  it("keys an IPv4 address as itself and an IPv6 address by its /64, so rotating within a /64 gains nothing", () => {
    expect(sourceKeyOf("203.0.113.7")).toBe("203.0.113.7");
    expect(sourceKeyOf("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(sourceKeyOf("2001:db8:1:2::1")).toBe(sourceKeyOf("2001:db8:1:2:ffff:eeee:dddd:cccc"));
    expect(sourceKeyOf("2001:db8:1:3::1")).not.toBe(sourceKeyOf("2001:db8:1:2::1"));
    expect(sourceKeyOf("memory")).toBe("memory");
  });
});
