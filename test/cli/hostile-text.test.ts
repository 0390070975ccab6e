// Issue 9, item 7: text from the network that reaches a person (chat lines, ids, log lines) on real sockets.
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../integration/tcp-nodes.js";
import { CliFixture, WAIT_MS, type CliProcess } from "./cli-process.js";
import { closeRawPeers, rawClient } from "../integration/raw-peer.js";

const cli = new CliFixture();
afterEach(async () => {
  await closeRawPeers();
  await cli.cleanup();
}, 30_000);


/** Raw characters no terminal should get from a peer: controls but the line feed, format characters, separators. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\p{Cf}\u2028\u2029]/u;

function unsafeIn(text: string): string | undefined {
  const match = UNSAFE.exec(text);
  return match ? `U+${match[0].codePointAt(0)!.toString(16).padStart(4, "0")} at ${match.index}: ${JSON.stringify(text.slice(Math.max(0, match.index - 60), match.index + 20))}` : undefined;
}

function alive(proc: CliProcess): void {
  if (proc.exitStatus !== undefined) throw new Error(`the node exited\n${proc.describe()}`);
}

// C1 CSI and NEL, a right-to-left override, a zero-width space.
const HOSTILE_ID = "\u009b31m\u0085evil\u202Eboris\u200B";
const HOSTILE_ID_SHOWN = '"\\u009b31m\\u0085evil\\u202eboris\\u200b"';
// 300 characters: padding that wraps the terminal, then another sender's prefix.
const LONG_NICK = `${"\u00a0".repeat(274)}<alice (3f2a1c0d9e8b7a65)>`;
const TEXT = "hello \u202Edlrow\u202C\u200B\u200D\u2066x\u2069\uFEFF\u00AD\u2028end\u0085\u001b[2J";

describe("peerkit start: what a hostile peer's text and id look like to a person", { timeout: 60_000 }, () => {
  it("shows no raw control or format character on stdout or in the stderr log, never the 300-character nick, and keeps the data in --json", async () => {
    const human = await cli.spawn(["start", "--host", "127.0.0.1", "--port", "0", "--insecure"], { defaults: false });
    const [, , port] = await human.waitForOutput(/\[listening\] id=(\S+) 127\.0\.0\.1:(\d+)/);
    const json = await cli.node(["--bootstrap", `127.0.0.1:${port}`, "--insecure"]);
    await human.waitForOutput(new RegExp(`\\[connect\\] ${json.id} `));

    const attacker = await rawClient(Number(port));
    attacker.socket.write(JSON.stringify({ msg_type: "PING", msg: { id: HOSTILE_ID, host: "127.0.0.1", port: 9 }, originator: HOSTILE_ID, time: Date.now() }) + "\n");
    await waitUntil(() => attacker.received().includes('"msg_type":"PONG"'), "the PONG to the attacker", WAIT_MS);
    const msg = { text: TEXT, nick: LONG_NICK };
    attacker.socket.write(JSON.stringify({ msg_type: "BROADCAST", msg, originator: HOSTILE_ID, time: Date.now(), id: "m-1", ttl: 4 }) + "\n");
    // A bad frame: its warn line on stderr carries the attacker's id.
    attacker.socket.write("junk\n");

    await human.waitForOutput(/> hello .*\n/);
    await waitUntil(() => {
      alive(human);
      return /rejected a frame/.test(human.stderr);
    }, "the bad frame's log line", WAIT_MS);
    const atJson = await json.proc.waitFor((e) => e.event === "broadcast" && e.id === "m-1", "the broadcast at the --json node");

    // What a person sees: nothing raw, the id quoted and escaped, no nick, the text without its tricks.
    expect(unsafeIn(human.stdout)).toBeUndefined();
    expect(unsafeIn(human.stderr)).toBeUndefined();
    expect(human.stdout).toContain(`[connect] ${HOSTILE_ID_SHOWN} 127.0.0.1:9\n`);
    expect(human.stdout).toContain(`\n<${HOSTILE_ID_SHOWN}> hello dlrowxend[2J\n`);
    expect(human.stdout).not.toContain("alice");
    expect(human.stderr).toMatch(/WARN .*rejected a frame .*peer="\\u009b31m\\u0085evil\\u202eboris\\u200b"/);

    // What a program reads: the data intact, every unsafe character as a JSON escape.
    expect(unsafeIn(json.proc.stdout)).toBeUndefined();
    expect(unsafeIn(json.proc.stderr)).toBeUndefined();
    expect(atJson).toEqual({ event: "broadcast", id: "m-1", originator: HOSTILE_ID, msg });
  });

  it("refuses a PING whose nick is longer than 32 characters, and a --nick that is not a nick", async () => {
    const node = await cli.node(["--insecure"]);
    const attacker = await rawClient(node.port);
    const nick = "n".repeat(33);
    attacker.socket.write(JSON.stringify({ msg_type: "PING", msg: { id: "long-nick", host: "127.0.0.1", port: 9, nick }, originator: "long-nick", time: Date.now() }) + "\n");
    const rejected = () => /rejected a frame .*field nick must be a string of at most 32 characters/.test(node.proc.stderr);
    await waitUntil(() => {
      alive(node.proc);
      return rejected() || attacker.received() !== "";
    }, "the PING to be rejected (or answered)", WAIT_MS);
    expect(attacker.received()).toBe("");
    expect(rejected()).toBe(true);

    for (const bad of ["n".repeat(33), "bob (3f2a1c0d)", "a\u202Eb"]) {
      const result = await cli.run(["start", "--json", "--port", "0", "--host", "127.0.0.1", "--insecure", "--nick", bad]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/\bnick\b.*1 to 32 letters/);
      expect(result.stderr).toContain("ERR_CONFIG_INVALID");
    }
  });
});
