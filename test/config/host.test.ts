import { describe, expect, it } from "vitest";
import { isHostName } from "../../src/base/host-port.js";
import { ListenError } from "../../src/base/errors.js";
import { resolveNodeConfig } from "../../src/node/config-file.js";

describe("the host a node listens on", () => {
  it("is an IPv4 or IPv6 address or a host name, not dotted digits that are no address", () => {
    for (const host of ["127.0.0.1", "0.0.0.0", "::1", "::", "fe80::1", "localhost", "node-1.example", "node_1.lan."]) expect(isHostName(host), host).toBe(true);
    for (const host of ["127.0.0.300", "1.2.3", "999", "[::1]", "::zz", "a b", "-node", "node.123", "x".repeat(64)]) expect(isHostName(host), host).toBe(false);
  });

  it("is refused in the config as ERR_CONFIG_INVALID naming the value and the valid forms", async () => {
    const failure = resolveNodeConfig({ overrides: { host: "127.0.0.300" } });
    await expect(failure).rejects.toMatchObject({ code: "ERR_CONFIG_INVALID" });
    await expect(failure).rejects.toThrow(/host: expected an IPv4 address such as 127\.0\.0\.1 .* got "127\.0\.0\.300"/);
  });

  it("of a bootstrap peer is checked the same way, as a string or an object", async () => {
    for (const bootstrap of [["127.0.0.300:7001"], [{ host: "127.0.0.300", port: 7001 }], ["legacy://1.2.3:5001"]]) {
      const failure = resolveNodeConfig({ overrides: { bootstrap } });
      await expect(failure, JSON.stringify(bootstrap)).rejects.toMatchObject({ code: "ERR_CONFIG_INVALID" });
      await expect(failure, JSON.stringify(bootstrap)).rejects.toThrow(/bootstrap\[0\](\.host)?: expected .*an IPv4 address such as 127\.0\.0\.1.*, got /);
    }
    const accepted = await resolveNodeConfig({ overrides: { bootstrap: ["127.0.0.1:7001", "[::1]:7002", "node-1.example:7003", { host: "localhost", port: 7004 }] } });
    expect(accepted.config.bootstrap.map(({ host }) => host)).toEqual(["127.0.0.1", "::1", "node-1.example", "localhost"]);
  });

  it("that cannot be listened on is told what to fix: the address, or the port", () => {
    expect(new ListenError("10.9.9.9", 7001, "EADDRNOTAVAIL").message).toMatch(/No network interface of this machine has that address: .*--host/);
    expect(new ListenError("nosuch", 7001, "ENOTFOUND").message).toMatch(/does not resolve: .*--host/);
    expect(new ListenError("nosuch", 7001, "ENOTFOUND").message).not.toMatch(/another port/);
    expect(new ListenError("127.0.0.1", 7001, "EADDRINUSE").message).toMatch(/Pick another port/);
  });
});
