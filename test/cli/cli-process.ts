/**
 * Test helper: runs the built `peerkit` CLI (`dist/cli/main.js`) as child processes, each in a fresh temp
 * directory (so no stray config file is picked up), and reads its `--json` event stream.
 *
 * A `CliFixture` owns everything it spawned; call `cleanup()` in `afterEach` so that a failing test still
 * kills its processes and removes its directories.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built CLI the tests run. `npm test` builds it first (pretest); else run `npm run build`. */
export const CLI_PATH = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

/** How long a wait may take before the test fails: machines are shared and slow. */
export const WAIT_MS = 15_000;

/** One line of `--json` output. */
export interface CliEvent {
  event: string;
  [field: string]: unknown;
}

/** How a process ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of `CliFixture.spawn`. */
export interface SpawnOptions {
  /** Working directory; default: a fresh temp directory. */
  cwd?: string;
  /** Prepend `--json --port 0 --host 127.0.0.1` (default true). */
  defaults?: boolean;
  /** Parse stdout as JSON lines (default: whether `--json` is among the arguments). */
  json?: boolean;
  /** Written as `peerkit.config.json` into the working directory before the start, for settings no flag sets. */
  config?: Record<string, unknown>;
}

/** A running (or finished) CLI process and what it printed. */
export class CliProcess {
  /** Every JSON event printed so far, in order. */
  readonly events: CliEvent[] = [];
  /** Stdout lines that were not a JSON object (must stay empty in --json mode). */
  readonly nonJsonLines: string[] = [];
  /** Everything printed on stdout and stderr so far. */
  stdout = "";
  stderr = "";
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | undefined;
  private readonly listeners = new Set<() => void>();
  private pendingStdout = "";

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly json: boolean,
    readonly args: readonly string[],
  ) {
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => this.onStdout(chunk));
    child.stderr.on("data", (chunk: string) => {
      this.stderr += chunk;
      this.notify();
    });
    // Writing to a process that already exited fails with EPIPE; the exit itself is what tests assert.
    child.stdin.on("error", () => {});
    this.exited = new Promise((resolve) => {
      child.on("close", (code, signal) => {
        this.status = { code, signal };
        this.notify();
        resolve(this.status);
      });
    });
  }

  /** The process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The exit status, once exited. */
  get exitStatus(): ExitStatus | undefined {
    return this.status;
  }

  /** Types a line on the process's stdin. */
  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Closes the process's stdin (end of input). */
  endInput(): void {
    this.child.stdin.end();
  }

  /** Sends a signal, if the process is still running. */
  signal(signal: NodeJS.Signals): void {
    if (this.status === undefined) this.child.kill(signal);
  }

  /** Sends SIGTERM and resolves with the exit status. */
  async stop(timeoutMs = WAIT_MS): Promise<ExitStatus> {
    this.signal("SIGTERM");
    return this.waitForExit(timeoutMs);
  }

  /** Resolves with the exit status once the process exits; fails after `timeoutMs`. */
  waitForExit(timeoutMs = WAIT_MS): Promise<ExitStatus> {
    return this.until(() => this.status, "the process to exit", timeoutMs, { allowExit: true });
  }

  /**
   * Resolves with the first event (printed before or after this call, from index `from`) that matches;
   * fails on timeout, on exit, or when stdout carried a non-JSON line.
   */
  waitFor(predicate: (event: CliEvent) => boolean, what: string, options: { timeoutMs?: number; from?: number } = {}): Promise<CliEvent> {
    const from = options.from ?? 0;
    return this.until(() => this.events.slice(from).find(predicate), what, options.timeoutMs ?? WAIT_MS);
  }

  /** Like `waitFor`, but only for events printed after this call. */
  waitForNext(predicate: (event: CliEvent) => boolean, what: string, timeoutMs = WAIT_MS): Promise<CliEvent> {
    return this.waitFor(predicate, what, { timeoutMs, from: this.events.length });
  }

  /** Resolves once stdout (human mode) contains a match of `pattern`. */
  waitForOutput(pattern: RegExp, timeoutMs = WAIT_MS): Promise<RegExpMatchArray> {
    return this.until(() => this.stdout.match(pattern) ?? undefined, `stdout to match ${pattern}`, timeoutMs);
  }

  /** The events that match. */
  filter(predicate: (event: CliEvent) => boolean): CliEvent[] {
    return this.events.filter(predicate);
  }

  /** Kills the process if it still runs, and waits for it to be gone. */
  async kill(): Promise<void> {
    if (this.status !== undefined) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }

  /** What the test failure message shows about this process. */
  describe(): string {
    const recent = this.json ? this.events.slice(-15).map((e) => JSON.stringify(e)) : this.stdout.split("\n").slice(-15);
    return [
      `process: peerkit ${this.args.join(" ")}${this.status ? ` (exited: ${JSON.stringify(this.status)})` : ""}`,
      `stdout (last lines):\n  ${recent.join("\n  ")}`,
      `stderr (last 2000 chars):\n${this.stderr.slice(-2000)}`,
    ].join("\n");
  }

  private until<T>(check: () => T | undefined, what: string, timeoutMs: number, options: { allowExit?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = (error: Error | undefined, value?: T): void => {
        clearTimeout(timer);
        this.listeners.delete(evaluate);
        if (error) reject(error);
        else resolve(value as T);
      };
      const evaluate = (): void => {
        if (this.nonJsonLines.length > 0) return done(new Error(`stdout carried a non-JSON line: ${JSON.stringify(this.nonJsonLines[0])}\n${this.describe()}`));
        const value = check();
        if (value !== undefined) return done(undefined, value);
        if (this.status !== undefined && !options.allowExit) return done(new Error(`the process exited before ${what}\n${this.describe()}`));
      };
      const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.describe()}`)), timeoutMs);
      this.listeners.add(evaluate);
      evaluate();
    });
  }

  private onStdout(chunk: string): void {
    this.stdout += chunk;
    this.pendingStdout += chunk;
    const lines = this.pendingStdout.split("\n");
    this.pendingStdout = lines.pop()!;
    if (this.json) for (const line of lines) this.parseLine(line);
    this.notify();
  }

  private parseLine(line: string): void {
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value === "object" && value !== null && !Array.isArray(value) && typeof (value as CliEvent).event === "string") {
        this.events.push(value as CliEvent);
        return;
      }
    } catch {
      // Not JSON: recorded below.
    }
    this.nonJsonLines.push(line);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** A node started by `CliFixture.node`: its process, and its id and address from the `listening` event. */
export interface CliNode {
  proc: CliProcess;
  id: string;
  port: number;
  /** `127.0.0.1:PORT`, for `--bootstrap` and `/join`. */
  address: string;
}

/** Spawns CLI processes and temp directories for one test, and removes them all in `cleanup()`. */
export class CliFixture {
  private readonly processes: CliProcess[] = [];
  private readonly directories: string[] = [];

  /** A fresh empty directory, removed by `cleanup()`. */
  async tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "peerkit-cli-"));
    this.directories.push(dir);
    return dir;
  }

  /** Starts `peerkit start ...args`, by default with `--json --port 0 --host 127.0.0.1` first. */
  async spawn(args: readonly string[], options: SpawnOptions = {}): Promise<CliProcess> {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} does not exist: run "npm run build" first (npm test does it).`);
    const cwd = options.cwd ?? (await this.tempDir());
    if (options.config !== undefined) await writeFile(join(cwd, "peerkit.config.json"), JSON.stringify(options.config));
    const full = options.defaults === false ? [...args] : ["start", "--json", "--port", "0", "--host", "127.0.0.1", ...insecureIfIdChosen(args)];
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
    // The test runner's loader hooks are not for the child.
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, [CLI_PATH, ...full], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    const proc = new CliProcess(child, options.json ?? full.includes("--json"), full);
    this.processes.push(proc);
    return proc;
  }

  /** Starts a `--json` node and waits for its `listening` event. */
  async node(args: readonly string[] = [], options: SpawnOptions = {}): Promise<CliNode> {
    const proc = await this.spawn(args, options);
    const listening = await proc.waitFor((e) => e.event === "listening", "the listening event");
    const port = listening.port as number;
    return { proc, id: listening.id as string, port, address: `127.0.0.1:${port}` };
  }

  /** Runs a command that is expected to end by itself; resolves with its exit status and output. */
  async run(args: readonly string[], options: SpawnOptions = {}): Promise<ExitStatus & { stdout: string; stderr: string }> {
    const proc = await this.spawn(args, { defaults: false, ...options });
    proc.endInput();
    const status = await proc.waitForExit();
    return { ...status, stdout: proc.stdout, stderr: proc.stderr };
  }

  /** Kills every process still running and removes the temp directories. */
  async cleanup(): Promise<void> {
    await Promise.all(this.processes.map((proc) => proc.kill()));
    this.processes.length = 0;
    await Promise.all(this.directories.map((dir) => rm(dir, { recursive: true, force: true })));
    this.directories.length = 0;
  }
}

/** Matches a `broadcast` event whose chat text is `text`. */
export function chatLine(text: string): (event: CliEvent) => boolean {
  return (event) => event.event === "broadcast" && (event.msg as { text?: unknown } | null)?.text === text;
}

/** Matches a `direct` event whose chat text is `text`. */
export function directLine(text: string): (event: CliEvent) => boolean {
  return (event) => event.event === "direct" && (event.msg as { text?: unknown } | null)?.text === text;
}

/** Matches a `peer:disconnect` event for the peer with this id. */
export function disconnectedFrom(peerId: string): (event: CliEvent) => boolean {
  return (event) => event.event === "peer:disconnect" && (event.peer as { id?: unknown } | null)?.id === peerId;
}

/** Matches a `peer:connect` event for the peer with this id. */
export function connectedTo(peerId: string): (event: CliEvent) => boolean {
  return (event) => event.event === "peer:connect" && (event.peer as { id?: unknown } | null)?.id === peerId;
}

/**
 * A node given `--id` is a protocol-v1 test: a secure node's id is its key's and cannot be chosen, so
 * such a node runs with `--insecure` (unless the test passes it already).
 */
export function insecureIfIdChosen(args: readonly string[]): string[] {
  return args.includes("--id") && !args.includes("--insecure") ? [...args, "--insecure"] : [...args];
}
