import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, defaultConfig, type NodeConfig } from "../../src/kernel/config.js";
import { parseHostPort } from "../../src/base/host-port.js";
import { validateNodeConfig as validateConfig } from "../../src/node/config-sections.js";
import { DEFAULT_BROADCAST } from "../../src/plugins/broadcast-settings.js";
import { plugin } from "../../src/kernel/decorators.js";
import { ConfigInvalidError, type ConfigProblem } from "../../src/base/errors.js";

const SOURCE = "createNode() argument";

/** The embedded defaults with the built-in plugins' sections, as a node starts from. */
function base(): NodeConfig {
  return validateConfig({}, "the defaults", { ...defaultConfig(), id: "base-node", security: "none", baseDir: "/srv/peerkit" });
}

/** The ConfigInvalidError that validating `input` throws. */
function invalid(input: unknown, source = SOURCE): ConfigInvalidError {
  try {
    validateConfig(input, source, base());
  } catch (error) {
    if (error instanceof ConfigInvalidError) return error;
    throw error;
  }
  throw new Error("expected validateConfig to throw ConfigInvalidError");
}

/** The only problem validating `input` reports. */
function onlyProblem(input: unknown): ConfigProblem {
  const { problems } = invalid(input);
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

describe("validateConfig: defaults and merging", () => {
  it("fills every omitted field from the base", () => {
    const config = validateConfig({ port: 7100 }, SOURCE, base());
    expect(config).toEqual({ ...base(), id: "base-node", port: 7100 });
  });

  it("accepts an empty object and returns a copy of the base", () => {
    const start = base();
    const config = validateConfig({}, SOURCE, start);
    expect(config).toEqual(start);
    expect(config).not.toBe(start);
    expect(config.limits).not.toBe(start.limits);
    expect(config.plugins).not.toBe(start.plugins);
  });

  it("treats a field set to undefined as omitted", () => {
    const config = validateConfig({ port: undefined, host: "0.0.0.0" }, SOURCE, base());
    expect(config.port).toBe(base().port);
    expect(config.host).toBe("0.0.0.0");
  });

  it("merges limits field by field over the base limits", () => {
    const start = { ...base(), limits: { ...DEFAULT_LIMITS, maxPeers: 5 } };
    const config = validateConfig({ limits: { maxHops: 3 } }, SOURCE, start);
    expect(config.limits).toEqual({ ...DEFAULT_LIMITS, maxPeers: 5, maxHops: 3 });
  });

  it("merges plugin options plugin by plugin", () => {
    const start = { ...base(), options: { ping: { intervalMs: 100 }, broadcast: { ttl: 2 } } };
    const config = validateConfig({ options: { broadcast: { ttl: 4 } } }, SOURCE, start);
    expect(config.options).toEqual({ ping: { intervalMs: 100 }, broadcast: { ttl: 4 } });
  });

  it("replaces the plugin list rather than appending to it", () => {
    const config = validateConfig({ plugins: ["ping", "./my-plugin.js"] }, SOURCE, base());
    expect(config.plugins).toEqual(["ping", "./my-plugin.js"]);
  });

  it("accepts a complete valid config", () => {
    const input = {
      id: "node-a",
      security: "none",
      dataDir: "/var/lib/peerkit",
      host: "::1",
      port: 0,
      nick: "alice",
      debug: true,
      autostart: false,
      plugins: [],
      bootstrap: [{ host: "127.0.0.1", port: 7002 }],
      limits: { ...DEFAULT_LIMITS, maxBadFrames: 0 },
      keepalive: { intervalMs: 1000, timeoutMs: 3000, redialBaseMs: 100, redialMaxMs: 2000 },
      broadcast: { ...DEFAULT_BROADCAST, mode: "tree" },
      options: { ping: {} },
      baseDir: "/tmp",
    };
    expect(validateConfig(input, SOURCE, base())).toEqual(input);
  });
});

describe("validateConfig: wrong types and ranges", () => {
  const cases: { input: Record<string, unknown>; path: string; expected: RegExp; received: string }[] = [
    { input: { id: "" }, path: "id", expected: /non-empty string/, received: '"" (a string)' },
    { input: { id: "has space" }, path: "id", expected: /without whitespace/, received: '"has space" (a string)' },
    { input: { id: "x".repeat(257) }, path: "id", expected: /at most 256/, received: `"${"x".repeat(38)}… (a string)` },
    { input: { host: 127001 }, path: "host", expected: /an IPv4 address such as 127\.0\.0\.1 .* or a host name/, received: "127001" },
    { input: { port: "ten" }, path: "port", expected: /integer from 0 to 65535/, received: '"ten" (a string)' },
    { input: { port: 65536 }, path: "port", expected: /integer from 0 to 65535/, received: "65536" },
    { input: { port: 1.5 }, path: "port", expected: /integer/, received: "1.5" },
    { input: { nick: "" }, path: "nick", expected: /1 to 32 letters/, received: '"" (a string)' },
    { input: { nick: "n".repeat(33) }, path: "nick", expected: /1 to 32 letters/, received: `"${"n".repeat(33)}" (a string)` },
    { input: { nick: "bob (3f2a)" }, path: "nick", expected: /no spaces, brackets/, received: '"bob (3f2a)" (a string)' },
    { input: { nick: "evil\u202e" }, path: "nick", expected: /control characters/, received: '"evil\u202e" (a string)' },
    { input: { debug: "yes" }, path: "debug", expected: /boolean/, received: '"yes" (a string)' },
    { input: { autostart: 1 }, path: "autostart", expected: /boolean/, received: "1" },
    { input: { plugins: "ping" }, path: "plugins", expected: /array/, received: '"ping" (a string)' },
    { input: { plugins: ["ping", ""] }, path: "plugins[1]", expected: /non-empty string/, received: '"" (a string)' },
    { input: { bootstrap: {} }, path: "bootstrap", expected: /array/, received: "{} (an object)" },
    { input: { limits: [] }, path: "limits", expected: /object of limits/, received: "[] (an array)" },
    { input: { limits: { maxPeers: -1 } }, path: "limits.maxPeers", expected: /positive integer/, received: "-1" },
    { input: { limits: { maxPeers: 0 } }, path: "limits.maxPeers", expected: /positive integer/, received: "0" },
    { input: { limits: { maxBadFrames: -1 } }, path: "limits.maxBadFrames", expected: /0 or more/, received: "-1" },
    { input: { limits: { maxHops: 256 } }, path: "limits.maxHops", expected: /from 1 to 255/, received: "256" },
    { input: { limits: { dialTimeoutMs: 2 ** 31 } }, path: "limits.dialTimeoutMs", expected: /from 1 to 2147483647/, received: String(2 ** 31) },
    { input: { options: [] }, path: "options", expected: /keyed by plugin name/, received: "[] (an array)" },
    { input: { options: { ping: 5 } }, path: "options.ping", expected: /options of the "ping" plugin/, received: "5" },
    { input: { baseDir: null }, path: "baseDir", expected: /string/, received: "null" },
  ];

  for (const { input, path, expected, received } of cases) {
    it(`refuses ${JSON.stringify(input).slice(0, 50)} naming ${path} and what it expects`, () => {
      const found = onlyProblem(input);
      expect(found.path).toBe(path);
      expect(found.expected).toMatch(expected);
      expect(found.received).toBe(received);
    });
  }

  it("refuses an input that is not an object", () => {
    expect(onlyProblem([1, 2])).toEqual({ path: "(root)", expected: "an object of config fields", received: "[1,2] (an array)" });
    expect(onlyProblem(null).received).toBe("null");
    expect(onlyProblem("port: 1").received).toBe('"port: 1" (a string)');
  });

  it("truncates a long bad value to about 40 characters", () => {
    const found = onlyProblem({ options: { ping: "a".repeat(500) } });
    expect(found.received.length).toBeLessThan(60);
    expect(found.received).toContain("…");
  });

  it("accepts maxBadFrames of 0", () => {
    expect(validateConfig({ limits: { maxBadFrames: 0 } }, SOURCE, base()).limits.maxBadFrames).toBe(0);
  });
});

describe("validateConfig: unknown fields", () => {
  it("refuses an unknown top-level field, listing the allowed fields", () => {
    const found = onlyProblem({ colour: "blue" });
    expect(found.path).toBe("colour");
    expect(found.expected).toContain("id, security, dataDir, networkKey, host, port, nick, debug, autostart, plugins, bootstrap, limits, broadcast, keepalive, options, baseDir");
    expect(found.received).toBe("an unknown field");
  });

  it("suggests the nearest known top-level field for a typo", () => {
    expect(onlyProblem({ prot: 7001 }).expected).toContain('did you mean "port"?');
  });

  it("refuses an unknown limits field and suggests the intended one", () => {
    const found = onlyProblem({ limits: { maxPeer: 10 } });
    expect(found.path).toBe("limits.maxPeer");
    expect(found.expected).toContain('did you mean "maxPeers"?');
    expect(found.expected).toContain("maxFrameBytes");
  });

  it("suggests a field whose case differs", () => {
    expect(onlyProblem({ AutoStart: false }).expected).toContain('did you mean "autostart"?');
  });

  it("points a limit written at the top level to limits", () => {
    expect(onlyProblem({ maxPeers: 10 }).expected).toContain("it belongs in limits.maxPeers");
  });

  it("suggests nothing when no known field is close", () => {
    expect(onlyProblem({ colour: "blue" }).expected).not.toContain("did you mean");
  });
});

describe("validateConfig: several problems", () => {
  it("reports every problem together, in the order of the input", () => {
    const error = invalid({ port: -1, hots: "x", limits: { maxPeers: "many", maxHops: 0 }, bootstrap: ["nope"] });
    expect(error.problems.map((p) => p.path)).toEqual(["port", "hots", "limits.maxPeers", "limits.maxHops", "bootstrap[0]"]);
  });

  it("lists every problem in the error message", () => {
    const { message } = invalid({ port: -1, debug: "no" });
    expect(message).toContain("port: expected an integer from 0 to 65535 (0 picks a free port), got -1");
    expect(message).toContain('debug: expected a boolean (true or false), got "no" (a string)');
  });
});

describe("validateConfig: the error", () => {
  it("has the code ERR_CONFIG_INVALID", () => {
    expect(invalid({ port: -1 }).code).toBe("ERR_CONFIG_INVALID");
  });

  it("names the source in its message and carries it", () => {
    const error = invalid({ port: -1 }, "/home/me/peerkit.config.json");
    expect(error.message).toContain("/home/me/peerkit.config.json");
    expect(error.source).toBe("/home/me/peerkit.config.json");
  });

  it("does not throw for a valid input", () => {
    expect(() => validateConfig({ port: 1 }, SOURCE, base())).not.toThrow();
  });
});

describe("validateConfig: bootstrap", () => {
  it("accepts { host, port } objects", () => {
    const config = validateConfig({ bootstrap: [{ host: "10.0.0.5", port: 7001 }] }, SOURCE, base());
    expect(config.bootstrap).toEqual([{ host: "10.0.0.5", port: 7001 }]);
  });

  it("normalises host:port strings to objects", () => {
    const config = validateConfig({ bootstrap: ["node-a.local:7001", "127.0.0.1:7002"] }, SOURCE, base());
    expect(config.bootstrap).toEqual([
      { host: "node-a.local", port: 7001 },
      { host: "127.0.0.1", port: 7002 },
    ]);
  });

  it("normalises a bracketed IPv6 string, dropping the brackets", () => {
    const config = validateConfig({ bootstrap: ["[::1]:7001"] }, SOURCE, base());
    expect(config.bootstrap).toEqual([{ host: "::1", port: 7001 }]);
  });

  it("accepts strings and objects mixed", () => {
    const config = validateConfig({ bootstrap: [{ host: "a", port: 1 }, "b:2"] }, SOURCE, base());
    expect(config.bootstrap).toEqual([{ host: "a", port: 1 }, { host: "b", port: 2 }]);
  });

  it("refuses a bootstrap port of 0, naming the item's port", () => {
    const found = onlyProblem({ bootstrap: [{ host: "a", port: 1 }, { host: "b", port: 2 }, { host: "c", port: 0 }] });
    expect(found.path).toBe("bootstrap[2].port");
    expect(found.expected).toBe("an integer from 1 to 65535");
  });

  it("refuses a bootstrap object without a port, showing undefined", () => {
    expect(onlyProblem({ bootstrap: [{ host: "a" }] })).toMatchObject({ path: "bootstrap[0].port", received: "undefined" });
  });

  it("refuses an unknown field in a bootstrap object", () => {
    const { problems } = invalid({ bootstrap: [{ host: "a", prot: 7001 }] });
    expect(problems.map((p) => p.path)).toEqual(["bootstrap[0].prot", "bootstrap[0].port"]);
    expect(problems[0]!.expected).toContain('did you mean "port"?');
  });

  it("refuses a string that is not host:port", () => {
    for (const text of ["localhost", "localhost:", ":7001", "a:b", "host:70000", "::1:7001", "a b:1"]) {
      expect(onlyProblem({ bootstrap: [text] }).path).toBe("bootstrap[0]");
    }
  });
});

describe("parseHostPort", () => {
  it("parses host names, IPv4 and bracketed IPv6", () => {
    expect(parseHostPort("example.org:80")).toEqual({ host: "example.org", port: 80 });
    expect(parseHostPort("127.0.0.1:7001")).toEqual({ host: "127.0.0.1", port: 7001 });
    expect(parseHostPort("[fe80::1%eth0]:65535")).toEqual({ host: "fe80::1%eth0", port: 65535 });
  });

  it("ignores surrounding whitespace", () => {
    expect(parseHostPort("  a:1 ")).toEqual({ host: "a", port: 1 });
  });

  it("returns undefined for port 0, a missing port or unbracketed IPv6", () => {
    expect(parseHostPort("a:0")).toBeUndefined();
    expect(parseHostPort("a")).toBeUndefined();
    expect(parseHostPort("::1:7001")).toBeUndefined();
    expect(parseHostPort("[]:7001")).toBeUndefined();
  });
});

describe("validateConfig: plugins", () => {
  it("accepts a class decorated with @plugin", () => {
    @plugin({ name: "greeter" })
    class GreeterPlugin {}

    const config = validateConfig({ plugins: ["ping", GreeterPlugin] }, SOURCE, base());
    expect(config.plugins).toEqual(["ping", GreeterPlugin]);
  });

  it("refuses a function that is not a plugin class, naming the item", () => {
    class NotAPlugin {}

    const found = onlyProblem({ plugins: ["ping", NotAPlugin] });
    expect(found.path).toBe("plugins[1]");
    expect(found.expected).toContain("@plugin()");
    expect(found.received).toContain("NotAPlugin");
  });

  it("refuses a number in the plugin list", () => {
    expect(onlyProblem({ plugins: [42] })).toMatchObject({ path: "plugins[0]", received: "42" });
  });
});

describe("validateConfig: keepalive", () => {
  it("merges keepalive settings field by field over the defaults", () => {
    const config = validateConfig({ keepalive: { intervalMs: 1000 } }, SOURCE, base());
    expect(config.keepalive).toEqual({ intervalMs: 1000, timeoutMs: 15_000, redialBaseMs: 1_000, redialMaxMs: 30_000 });
  });

  it("refuses a timeout that is not longer than the ping interval", () => {
    expect(() => validateConfig({ keepalive: { intervalMs: 5000, timeoutMs: 5000 } }, SOURCE, base())).toThrow(
      /keepalive\.timeoutMs: expected more than keepalive\.intervalMs \(5000\)/,
    );
  });

  it("refuses a redial ceiling below the first redial delay", () => {
    expect(() => validateConfig({ keepalive: { redialBaseMs: 5000, redialMaxMs: 1000 } }, SOURCE, base())).toThrow(
      /keepalive\.redialMaxMs: expected at least keepalive\.redialBaseMs \(5000\)/,
    );
  });
});

describe("validateConfig: broadcast", () => {
  it("defaults to flood mode, so an existing config changes nothing", () => {
    expect(validateConfig({}, SOURCE, base()).broadcast).toEqual(DEFAULT_BROADCAST);
    expect(DEFAULT_BROADCAST.mode).toBe("flood");
  });

  it("merges broadcast settings field by field over the defaults", () => {
    const config = validateConfig({ broadcast: { mode: "tree", graftTimeoutMs: 800 } }, SOURCE, base());
    expect(config.broadcast).toEqual({ ...DEFAULT_BROADCAST, mode: "tree", graftTimeoutMs: 800 });
  });

  it("accepts a complete tree-mode section", () => {
    const broadcast = { mode: "tree", ihaveIntervalMs: 0, ihaveMaxIds: 1024, graftTimeoutMs: 300, graftRetryMs: 300, storeSize: 1, storeTtlMs: 1000 };
    expect(validateConfig({ broadcast }, SOURCE, base()).broadcast).toEqual(broadcast);
  });

  it("refuses an unknown mode", () => {
    expect(onlyProblem({ broadcast: { mode: "gossip" } })).toMatchObject({ path: "broadcast.mode", expected: '"flood" or "tree"', received: '"gossip" (a string)' });
  });

  it("refuses an unknown broadcast field and suggests the intended one", () => {
    const found = onlyProblem({ broadcast: { graftTimeout: 500 } });
    expect(found.path).toBe("broadcast.graftTimeout");
    expect(found.expected).toContain('did you mean "graftTimeoutMs"?');
    expect(found.expected).toContain("mode, ihaveIntervalMs, ihaveMaxIds, graftTimeoutMs, graftRetryMs, storeSize, storeTtlMs");
  });

  it("says where a broadcast field given at the top level belongs", () => {
    expect(onlyProblem({ graftTimeoutMs: 500 }).expected).toContain("it belongs in broadcast.graftTimeoutMs");
  });

  it.each([
    ["ihaveIntervalMs", -1],
    ["ihaveMaxIds", 0],
    ["ihaveMaxIds", 1025],
    ["graftTimeoutMs", 0],
    ["graftRetryMs", 1.5],
    ["storeSize", 0],
    ["storeTtlMs", "30s"],
  ])("refuses broadcast.%s = %j", (field, value) => {
    expect(onlyProblem({ broadcast: { [field]: value } }).path).toBe(`broadcast.${field}`);
  });

  it("refuses a section that is not an object", () => {
    expect(onlyProblem({ broadcast: "tree" })).toMatchObject({ path: "broadcast", received: '"tree" (a string)' });
  });

  it("refuses a retry timer longer than the first GRAFT timer", () => {
    expect(() => validateConfig({ broadcast: { graftTimeoutMs: 200, graftRetryMs: 300 } }, SOURCE, base())).toThrow(
      /broadcast\.graftRetryMs: expected at most broadcast\.graftTimeoutMs \(200\)/,
    );
  });
});

describe("renamed fields", () => {
  it("refuses limits.broadcastTtl, naming its new name limits.maxHops", () => {
    expect(() => validateConfig({ limits: { broadcastTtl: 3 } }, "peerkit.config.json", defaultConfig())).toThrow(/limits\.broadcastTtl: .*it belongs in limits\.maxHops/);
  });
});
