import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_PLUGINS } from "../../src/kernel/config.js";
import { CliFixture, connectedTo, type CliEvent, type CliNode } from "./cli-process.js";

const cli = new CliFixture();
afterEach(() => cli.cleanup(), 30_000);

/** A plain-JavaScript plugin that answers ECHO with ECHO_REPLY `{ echo, signed, verified }`. */
const ECHO_PLUGIN = fileURLToPath(new URL("../fixtures/plugins/echo-reply-plugin.mjs", import.meta.url));

/** The default plugins plus the echo plugin, as `--plugins` takes them. */
const WITH_ECHO = ["--plugins", [...DEFAULT_PLUGINS, ECHO_PLUGIN].join(",")];

async function linked(a: CliNode, b: CliNode): Promise<void> {
  await Promise.all([a.proc.waitFor(connectedTo(b.id), `${a.id} to connect to ${b.id}`), b.proc.waitFor(connectedTo(a.id), `${b.id} to connect to ${a.id}`)]);
}

function isEvent(name: string): (event: CliEvent) => boolean {
  return (event) => event.event === name;
}

describe("peerkit start: /send PEER TYPE JSON and /plugins", { timeout: 120_000 }, () => {
  it("sends one signed message of a plugin's type to a connected peer, and shows its reply as a message event", async () => {
    const bob = await cli.node([...WITH_ECHO, "--nick", "bob"]);
    const alice = await cli.node(["--bootstrap", bob.address]);
    await linked(alice, bob);

    alice.proc.send('/send bob ECHO {"text":"hi", "n": [1, 2]}');
    const sent = await alice.proc.waitFor(isEvent("sent"), "alice's sent event");
    expect(sent).toEqual({ event: "sent", id: expect.any(String), to: bob.id, type: "ECHO" });
    const reply = await alice.proc.waitFor(isEvent("message"), "the reply as a message event");
    expect(reply).toEqual({
      event: "message",
      from: bob.id,
      type: "ECHO_REPLY",
      originator: bob.id,
      msg: { echo: { text: "hi", n: [1, 2] }, signed: true, verified: true },
    });

    // By an id prefix too; built-in traffic from bob (keepalive, peer exchange) never shows as a reply.
    alice.proc.send(`/send ${bob.id.slice(0, 12)} ECHO "second"`);
    await alice.proc.waitFor((e) => e.event === "message" && (e.msg as { echo?: unknown }).echo === "second", "the second reply");
    expect(alice.proc.filter(isEvent("message")).map((e) => e.type)).toEqual(["ECHO_REPLY", "ECHO_REPLY"]);
  });

  it("refuses bad JSON, an unknown or unconnected peer, a reserved or malformed type, and an oversized payload: one error with a code each, nothing sent", async () => {
    const bob = await cli.node(WITH_ECHO);
    const alice = await cli.node(["--bootstrap", bob.address]);
    await linked(alice, bob);
    const far = await cli.node();

    const refusals: [line: string, code: string, message: RegExp][] = [
      [`/send ${bob.id} ECHO {"text":`, "ERR_SEND_JSON", /not valid JSON.*Give one JSON value/],
      [`/send ${bob.id} ECHO ${JSON.stringify("x".repeat(70_000))}`, "ERR_SEND_JSON", /at most 65536/],
      [`/send ${bob.id} ECHO ${"[".repeat(80)}${"]".repeat(80)}`, "ERR_SEND_JSON", /maxJsonDepth/],
      ["/send nobody ECHO {}", "ERR_UNKNOWN_TARGET", /nick of no connected peer/],
      [`/send ${far.id} ECHO {}`, "ERR_NOT_CONNECTED", /not connected.*\/join/],
      [`/send ${bob.id} PING {}`, "ERR_RESERVED_TYPE", /built-in plugin/],
      [`/send ${bob.id} BROADCAST {}`, "ERR_RESERVED_TYPE", /built-in plugin/],
      [`/send ${bob.id} E<C>HO {}`, "ERR_SEND_TYPE", /not a message type/],
      [`/send ${bob.id} ECHO`, "ERR_SEND_USAGE", /^usage: \/send PEER TYPE JSON/],
    ];
    for (const [line, code, message] of refusals) {
      alice.proc.send(line);
      const error = await alice.proc.waitForNext(isEvent("error"), `the error for ${line.slice(0, 60)}`);
      expect(error, line.slice(0, 60)).toMatchObject({ code, message });
      expect(error.message as string).not.toMatch(/\n/);
    }

    // Then one good /send: the only sent event and the only reply, so none of the refused ones left.
    alice.proc.send(`/send ${bob.id} ECHO "ok"`);
    await alice.proc.waitFor(isEvent("message"), "the reply to the good /send");
    expect(alice.proc.filter(isEvent("sent"))).toHaveLength(1);
    expect(alice.proc.filter(isEvent("message")).map((e) => (e.msg as { echo: unknown }).echo)).toEqual(["ok"]);
  });

  it("sends an unsigned protocol-v1 message between --insecure nodes, by chosen id", async () => {
    const bob = await cli.node([...WITH_ECHO, "--id", "bob-node"]);
    const alice = await cli.node(["--id", "alice-node", "--bootstrap", bob.address]);
    await linked(alice, bob);

    alice.proc.send("/send bob-node ECHO 42");
    expect(await alice.proc.waitFor(isEvent("sent"), "the sent event")).toEqual({ event: "sent", id: expect.any(String), to: "bob-node", type: "ECHO" });
    const reply = await alice.proc.waitFor(isEvent("message"), "the reply");
    expect(reply).toMatchObject({ from: "bob-node", type: "ECHO_REPLY", msg: { echo: 42, signed: false, verified: true } });
  });

  it("lists the loaded plugins and their message types on /plugins, and at start with --debug", async () => {
    const bob = await cli.node([...WITH_ECHO, "--debug"]);
    // Printed at start, before any input.
    const atStart = await bob.proc.waitFor(isEvent("plugins"), "the plugins event at start");
    bob.proc.send("/plugins");
    const answer = await bob.proc.waitForNext(isEvent("plugins"), "the answer to /plugins");
    expect(answer).toEqual(atStart);
    expect(answer.plugins).toEqual([
      { name: "ping", types: ["PING", "PONG", "REFUSED"] },
      { name: "advertise", types: ["ADVERTISE", "ADVERTISE_REPLY"] },
      { name: "broadcast", types: ["BROADCAST"] },
      { name: "test", types: ["TEST"] },
      { name: "keepalive", types: [] },
      { name: "direct", types: ["DIRECT", "DIRECT_ACK"] },
      { name: "echo", types: ["ECHO"] },
    ]);

    const plain = await cli.node();
    plain.proc.send("/peers");
    await plain.proc.waitFor(isEvent("peers"), "the answer to /peers");
    expect(plain.proc.filter(isEvent("plugins"))).toEqual([]);
  });

  it("prints /help as every command with an example, and /send, /plugins answers for a person", async () => {
    const bob = await cli.node([...WITH_ECHO, "--nick", "bob"]);
    const alice = await cli.spawn(["start", "--port", "0", "--host", "127.0.0.1", "--bootstrap", bob.address], { defaults: false });
    await bob.proc.waitFor(isEvent("peer:connect"), "alice to connect");
    await alice.waitForOutput(/\[connect\]/);

    alice.send("/help");
    await waitForStderr(alice, /\/help: /);
    for (const name of ["/join", "/msg", "/send", "/peers", "/plugins", "/quit", "/help"]) expect(alice.stderr).toMatch(new RegExp(`^  ${name}\\b.*; e\\.g\\. ${name}\\b`, "m"));

    alice.send('/send bob ECHO {"a":1}');
    await alice.waitForOutput(/\[message\] ECHO_REPLY from bob \(pk_\w+\): \{"echo":\{"a":1\},"signed":true,"verified":true\}/);
    expect(alice.stdout).toMatch(/\[sent\] ECHO \S+ to bob \(pk_\w+\)/);

    alice.send("/plugins");
    await alice.waitForOutput(/ {2}direct: DIRECT, DIRECT_ACK\n/);
    expect(alice.stdout).toMatch(/\[plugins\] 6 loaded:\n {2}ping: PING, PONG, REFUSED\n {2}advertise: .*\n {2}broadcast: BROADCAST\n {2}test: TEST\n {2}keepalive: \(no message types\)\n/);
  });
});

/** Waits until the process's stderr matches. */
async function waitForStderr(proc: { stderr: string }, pattern: RegExp): Promise<void> {
  for (let waited = 0; !pattern.test(proc.stderr); waited += 50) {
    if (waited > 15_000) throw new Error(`stderr never matched ${pattern}: ${proc.stderr.slice(-1000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
