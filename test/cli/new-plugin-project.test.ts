// The plugin author's first steps, as issue 12 asks: in a checkout, `peerkit new-plugin dice --dir DIR`,
// then in DIR `npm install`, `npm test` and `npx peerkit start`, which answers DICE.
//
// The generator runs as `node dist/cli/main.js`, what `npx peerkit` runs in a checkout: npx there may
// first run the checkout's `prepare` (npm exec treats the project as a linked package), a rebuild.
// Offline: every npm command runs with --offline, so nothing but 127.0.0.1 is reached. The generated
// lock names each package's tarball, which the checkout's own `npm ci` left in the npm cache.
// `--ignore-scripts` then `npm run build`: a plain install also runs the linked checkout's `prepare`,
// which would rebuild this checkout's dist/ under the CLI tests running next to this one.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { CLI_PATH, CliProcess, WAIT_MS } from "./cli-process.js";
import { closeRawPeers, frame, rawPeer } from "../integration/raw-peer.js";
import { waitUntil } from "../integration/tcp-nodes.js";

/** util-linux's `script`, to run a command on a pseudo-terminal as a person's shell would. */
const SCRIPT = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0 ? "script" : undefined;
const REPO = fileURLToPath(new URL("../../", import.meta.url));
/** One npm step on a shared, loaded machine; the whole test takes about 30 s on an idle one. */
const STEP_MS = 60_000;

const groups: ChildProcessWithoutNullStreams[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await closeRawPeers();
  // npx does not pass SIGTERM on to the command it runs: each child leads a process group, killed whole.
  // Also when npx itself has exited: the node it started may still run in that group.
  for (const child of groups.splice(0)) killGroup(child, "SIGKILL");
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function killGroup(child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

/** The environment of a user's shell: none of the test runner's or the parent npm script's settings. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VITEST|NODE_OPTIONS$|NODE_ENV$|TEST$)/.test(key)) continue;
    // The npm cache stays: it is what the checkout's `npm ci` filled.
    if (/^npm_/i.test(key) && key.toLowerCase() !== "npm_config_cache") continue;
    env[key] = value;
  }
  return { ...env, npm_config_offline: "true", npm_config_audit: "false", npm_config_fund: "false", NO_COLOR: "1" };
}

function launch(command: string, args: readonly string[], cwd: string): ChildProcessWithoutNullStreams {
  const child = spawn(command, args, { cwd, env: userEnv(), detached: true, stdio: ["pipe", "pipe", "pipe"] });
  groups.push(child);
  return child;
}

/** Runs a command to its end; fails the test, showing its output, when it fails or outlasts STEP_MS. */
async function run(command: string, args: readonly string[], cwd: string): Promise<string> {
  const child = launch(command, args, cwd);
  child.stdin.end();
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), STEP_MS);
  const code = await new Promise<number | null>((resolve) => child.on("close", (status) => resolve(status)));
  clearTimeout(timer);
  expect(code, `${command} ${args.join(" ")} in ${cwd} failed (exit ${code}):\n${output}`).toBe(0);
  return output;
}

describe("a plugin project made by peerkit new-plugin", () => {
  it("installs offline, passes its tests, runs a node that answers DICE, and exits 0 on Ctrl-C under npx", async () => {
    const parent = await mkdtemp(join(tmpdir(), "peerkit-plugin-project-"));
    dirs.push(parent);
    const dir = join(parent, "dice");

    expect(await run(process.execPath, [CLI_PATH, "new-plugin", "dice", "--dir", dir], REPO)).toContain("npm install");
    const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(pkg.dependencies.peerkit).toMatch(/^file:/);

    await run("npm", ["install", "--offline", "--ignore-scripts"], dir);
    await run("npm", ["run", "build"], dir);
    expect(await run("npm", ["test"], dir)).toMatch(/Tests\s+2 passed/);

    const child = launch("npx", ["peerkit", "start", "--json", "--insecure", "--host", "127.0.0.1", "--port", "0"], dir);
    const node = new CliProcess(child, true, ["npx", "peerkit", "start"]);
    const listening = await node.waitFor((event) => event.event === "listening", "the listening event", { timeoutMs: STEP_MS });

    const tester = await rawPeer(listening.port as number, "tester");
    tester.write(frame("DICE", { text: "six" }, "tester", { id: "roll-1" }));
    await waitUntil(() => tester.framesOf("DICE_RESULT").length === 1, "the DICE_RESULT", WAIT_MS);
    expect(tester.framesOf("DICE_RESULT")[0]).toMatchObject({ id: "roll-1", msg: { text: "six", by: listening.id } });

    killGroup(child, "SIGTERM");
    await node.waitForExit();

    if (SCRIPT === undefined) return;
    // Ctrl-C in a person's terminal under npx: the chat prompt takes it as /quit, and npx exits 0.
    const terminal = launch(SCRIPT, ["-q", "-e", "-c", "npx peerkit start --host 127.0.0.1 --port 0", "/dev/null"], dir);
    let screen = "";
    terminal.stdout.on("data", (chunk: Buffer) => (screen += chunk.toString("utf8")));
    await waitUntil(() => screen.includes("[listening]"), "the node on the terminal to listen", STEP_MS);
    let exitCode: number | null | undefined;
    terminal.on("close", (code) => (exitCode = code));
    terminal.stdin.write("\u0003");
    await waitUntil(() => exitCode !== undefined, `npx to exit after Ctrl-C; the screen:\n${screen}`, STEP_MS);
    expect(exitCode, `the screen:\n${screen}`).toBe(0);
  }, 6 * STEP_MS);
});
