/**
 * The chat prompt on a terminal. When standard input and output are both a terminal (and not `--json`),
 * the chat reads with readline in terminal mode, behind a `> ` prompt, and everything the CLI prints
 * while a line is being typed (events, answers, log lines) goes through `TerminalPrompt.sink`: the line
 * being typed is cleared, the output written, then the prompt and the partial input are drawn again,
 * the cursor where it was, as readline-based chats do. Without it an incoming line lands in the middle
 * of the typed one (`half typed line<ann (…)> incoming`). With pipes or `--json` nothing changes.
 */
import { clearLine, cursorTo, type Interface } from "node:readline";
import type { Writable } from "node:stream";
import type { TextSink } from "./output.js";

/** The prompt shown before the line being typed. */
export const PROMPT = "> ";

/** Whether the chat should draw a prompt: both streams are terminals and the output is for a person. */
export function wantsTerminalPrompt(stdin: unknown, stdout: unknown, json: boolean): boolean {
  return !json && (stdin as { isTTY?: boolean }).isTTY === true && (stdout as { isTTY?: boolean }).isTTY === true;
}

/** Keeps the prompt and the partial input below whatever is printed; see the module comment. */
export class TerminalPrompt {
  private lines: Interface | undefined;

  /** `terminal`: the stream the prompt is drawn on (standard output). */
  constructor(readonly terminal: Writable) {}

  /** From now on, output through the sinks is written above `lines`' prompt. */
  attach(lines: Interface): void {
    this.lines = lines;
  }

  /** Erases the prompt line; output through the sinks is written as it is again (input closed). */
  detach(): void {
    if (this.lines === undefined) return;
    this.lines = undefined;
    clearLine(this.terminal, 0);
    cursorTo(this.terminal, 0);
  }

  /** `stream` (the terminal itself, or standard error on the same screen), writing above the prompt. */
  sink(stream: TextSink): TextSink {
    return { write: (chunk: string) => this.writeAbove(stream, chunk) };
  }

  private writeAbove(stream: TextSink, chunk: string): unknown {
    const lines = this.lines;
    if (lines === undefined) return stream.write(chunk);
    clearLine(this.terminal, 0);
    cursorTo(this.terminal, 0);
    const written = stream.write(chunk);
    lines.prompt(true);
    return written;
  }
}
