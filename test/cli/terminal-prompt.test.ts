import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { PassThrough, Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { ChatSession, type ChatNode } from "../../src/cli/chat.js";
import { HumanPrinter } from "../../src/cli/output.js";
import { TerminalPrompt, wantsTerminalPrompt } from "../../src/cli/terminal-prompt.js";
import type { Envelope } from "../../src/base/envelope.js";
import { CLI_PATH, CliFixture, connectedTo, WAIT_MS } from "./cli-process.js";
import { screenLines } from "./terminal-screen.js";

/** util-linux `script`, which runs a command on a pseudo-terminal; undefined where it is missing. */
const SCRIPT = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0 ? "script" : undefined;

/** A fake terminal: what was written to it, and `isTTY`. */
class FakeTerminal extends Writable {
  readonly isTTY = true;
  readonly columns = 100;
  text = "";

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

function broadcastEvent(text: string): { id: string; originator: string; msg: unknown; envelope: Envelope } {
  const envelope: Envelope = { msg_type: "BROADCAST", msg: { text, nick: "ann" }, originator: "ann-node", time: 0, id: "b1" };
  return { id: "b1", originator: "ann-node", msg: envelope.msg, envelope };
}

describe("the chat prompt on a terminal", () => {
  it("is drawn only when standard input and output are terminals and the output is for a person", () => {
    const tty = { isTTY: true };
    expect(wantsTerminalPrompt(tty, tty, false)).toBe(true);
    expect(wantsTerminalPrompt(tty, tty, true)).toBe(false);
    expect(wantsTerminalPrompt(tty, new PassThrough(), false)).toBe(false);
    expect(wantsTerminalPrompt(new PassThrough(), tty, false)).toBe(false);
  });

  it("redraws the prompt and the partial input below a line that arrives while one is typed, on stdout and stderr", async () => {
    const terminal = new FakeTerminal();
    const prompt = new TerminalPrompt(terminal);
    const printer = new HumanPrinter(prompt.sink(terminal), prompt.sink(terminal));
    const input = new PassThrough();
    const sent: unknown[] = [];
    const node: ChatNode = {
      config: { security: "none", limits: { maxJsonDepth: 64 } },
      peers: { connected: () => [] },
      join: () => Promise.reject(new Error("unused")),
      broadcast: (msg) => {
        sent.push(msg);
        return "b2";
      },
      send: () => Promise.reject(new Error("unused")),
      sendMessage: () => "unused",
      handledTypes: () => [],
      on: () => undefined,
    };
    const chat = new ChatSession(node, { input, printer, prompt, onQuit: () => {} });
    try {
      input.write("half typed");
      await new Promise((resolve) => setImmediate(resolve));
      expect(screenLines(terminal.text)).toEqual(["> half typed"]);

      printer.broadcast(broadcastEvent("incoming"));
      printer.error("something failed", "ERR_X");
      expect(screenLines(terminal.text)).toEqual(["<ann (ann-node)> incoming", "[error] something failed (ERR_X)", "> half typed"]);

      // The partial input is intact: finishing it sends the whole line.
      input.write(" line\r");
      await new Promise((resolve) => setImmediate(resolve));
      expect(sent).toEqual([{ text: "half typed line" }]);
      expect(screenLines(terminal.text).at(-1)).toBe(">");
    } finally {
      chat.close();
    }
    // Once the prompt is gone, output is written as it is.
    printer.broadcast(broadcastEvent("after close"));
    expect(terminal.text.endsWith("<ann (ann-node)> after close\n")).toBe(true);
  });
});

describe("peerkit start on a pseudo-terminal", { timeout: 60_000 }, () => {
  const cli = new CliFixture();
  let child: ChildProcessWithoutNullStreams | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const closed = new Promise((resolve) => child!.once("close", resolve));
      child.kill("SIGKILL");
      await closed;
    }
    child = undefined;
    await cli.cleanup();
  }, 30_000);

  it.skipIf(SCRIPT === undefined)("keeps the line being typed below an incoming chat line, sends it whole, and quits on Ctrl-C with exit code 0", async () => {
    const ann = await cli.node(["--nick", "ann"]);
    const command = [process.execPath, CLI_PATH, "start", "--port", "0", "--host", "127.0.0.1", "--bootstrap", ann.address].map((word) => `'${word}'`).join(" ");
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: "xterm", NO_COLOR: "1" };
    delete env.NODE_OPTIONS;
    child = spawn(SCRIPT!, ["-q", "-e", "-c", command, "/dev/null"], { cwd: await cli.tempDir(), env, stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    const waiters = new Set<() => void>();
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      output += chunk;
      for (const wake of [...waiters]) wake();
    });
    const screen = (): string[] => screenLines(output);
    const until = (what: string, check: () => boolean): Promise<void> =>
      new Promise((resolve, reject) => {
        const wake = (): void => {
          if (!check()) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`timed out waiting for ${what}; the screen:\n${screen().join("\n")}`));
        }, WAIT_MS);
        waiters.add(wake);
        wake();
      });

    const connected = await ann.proc.waitFor((e) => e.event === "peer:connect", "the terminal node to connect");
    await until("the [connect] line", () => screen().some((line) => line.includes("[connect]")));
    child.stdin.write("half typed");
    await until("the typed text", () => screen().at(-1)?.endsWith("half typed") === true);

    ann.proc.send("incoming");
    await until("the incoming line", () => screen().some((line) => line.includes("incoming")));
    await until("the prompt redrawn", () => screen().at(-1) === "> half typed");
    const lines = screen();
    expect(lines.find((line) => line.includes("incoming"))).toMatch(/^<ann \(pk_\w+\)> incoming$/);

    child.stdin.write(" line\r");
    const id = (connected.peer as { id: string }).id;
    const received = await ann.proc.waitFor((e) => e.event === "broadcast" && e.originator === id, "ann to receive the typed line");
    expect(received.msg).toEqual({ text: "half typed line" });

    // Ctrl-C at the prompt: the terminal is in raw mode, so it is a key, not a signal; it quits as /quit does.
    let timer: NodeJS.Timeout | undefined;
    const closed = new Promise((resolve, reject) => {
      child!.once("close", resolve);
      timer = setTimeout(() => reject(new Error(`Ctrl-C did not stop the node within ${WAIT_MS} ms; the screen:\n${screen().join("\n")}`)), WAIT_MS);
    }).finally(() => clearTimeout(timer));
    child.stdin.write("\u0003");
    expect(await closed).toBe(0);
  });
});
