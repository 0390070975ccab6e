import { describe, expect, it } from "vitest";
import { parseCommandLine, UsageError } from "../../src/cli/args.js";

describe("parseCommandLine", () => {
  it("turns only the flags given into config overrides", () => {
    expect(parseCommandLine(["start"])).toEqual({ kind: "start", options: { overrides: {}, debug: false, json: false } });
    expect(parseCommandLine(["start", "--id", "n1", "--host", "0.0.0.0", "--port", "7002", "--nick", "alice", "--json"])).toEqual({
      kind: "start",
      options: { overrides: { id: "n1", host: "0.0.0.0", port: 7002, nick: "alice" }, debug: false, json: true },
    });
  });

  it("splits --bootstrap and --plugins on commas, across repeated flags, dropping empty items", () => {
    const command = parseCommandLine(["start", "--bootstrap", "127.0.0.1:7001, 127.0.0.1:7002", "--bootstrap", "h:3,", "--plugins", "ping,broadcast"]);
    expect(command).toMatchObject({
      options: { overrides: { bootstrap: ["127.0.0.1:7001", "127.0.0.1:7002", "h:3"], plugins: ["ping", "broadcast"] } },
    });
  });

  it("keeps a --port that is not a number as text, for config validation to report", () => {
    expect(parseCommandLine(["start", "--port", "0"])).toMatchObject({ options: { overrides: { port: 0 } } });
    expect(parseCommandLine(["start", "--port", "x"])).toMatchObject({ options: { overrides: { port: "x" } } });
    expect(parseCommandLine(["start", "--port", "1.5"])).toMatchObject({ options: { overrides: { port: 1.5 } } });
  });

  it("sets debug both as a CLI option and as a config override, and keeps --config apart", () => {
    expect(parseCommandLine(["start", "--debug", "--config", "a.yaml"])).toEqual({
      kind: "start",
      options: { configPath: "a.yaml", overrides: { debug: true }, debug: true, json: false },
    });
  });

  it("recognises help and version", () => {
    expect(parseCommandLine(["--help"])).toEqual({ kind: "help" });
    expect(parseCommandLine(["start", "-h"])).toEqual({ kind: "help" });
    expect(parseCommandLine(["help"])).toEqual({ kind: "help" });
    expect(parseCommandLine(["--version"])).toEqual({ kind: "version" });
  });

  it.each([
    [["start", "--frobnicate"], /Unknown option "--frobnicate"/],
    [["start", "--port"], /--port/],
    [[], /No command/],
    [["launch"], /Unknown command "launch"/],
    [["start", "extra"], /Unexpected argument "extra"/],
  ])("refuses %j with a usage error", (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});
