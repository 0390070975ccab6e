/**
 * Test helper: a small network of Linux network namespaces ("hosts") joined by veth pairs to a bridge,
 * and peerkit CLI nodes running inside them (`ip netns exec NS node dist/cli/main.js start --json ...`).
 *
 * Everything lives in namespaces this helper creates: a dedicated "switch" namespace holds the bridge,
 * each host namespace holds one end of a veth pair (`eth0`) with a private address from 10.231.0.0/24.
 * Nothing is created in, and no address or route is added to, the root (host) namespace, so the test's
 * traffic never leaves the namespaces.
 *
 * Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) and iproute2. `netnsUnavailable()` says why not, so that the
 * test can skip with that reason; `PEERKIT_NETNS=off` forces the skip.
 */
import { execFile, spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CLI_PATH, CliProcess, insecureIfIdChosen, WAIT_MS } from "../cli/cli-process.js";

const execFileAsync = promisify(execFile);

/** The first three octets of every address the test assigns (inside its own namespaces only). */
export const SUBNET = "10.231.0";

/**
 * Why network namespaces cannot be used here, or undefined when they can. Probes for real: creates and
 * deletes a throwaway namespace, which is the only way to know whether `ip netns add` is permitted
 * (in an unprivileged container it fails even as root).
 */
export function netnsUnavailable(): string | undefined {
  const env = process.env.PEERKIT_NETNS?.toLowerCase();
  if (env === "off" || env === "0" || env === "false") return `PEERKIT_NETNS=${process.env.PEERKIT_NETNS}`;
  if (process.platform !== "linux") return `network namespaces need Linux (this is ${process.platform})`;
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "network namespaces need root (run as root, as CI does)";
  const version = spawnSync("ip", ["-V"], { encoding: "utf8" });
  if (version.error) {
    return `the "ip" command (iproute2) is not available (${(version.error as NodeJS.ErrnoException).code ?? version.error.message}); install it with "apt-get install -y iproute2"`;
  }
  const probe = `pk-${process.pid}-probe`;
  const added = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
  if (added.status !== 0) return `"ip netns add" is not permitted here: ${(added.stderr || added.stdout || `exit ${added.status}`).trim()}`;
  const veth = spawnSync("ip", ["-n", probe, "link", "add", "p0", "type", "veth", "peer", "name", "p1"], { encoding: "utf8" });
  spawnSync("ip", ["netns", "del", probe]);
  if (veth.status !== 0) return `veth pairs cannot be created in a network namespace: ${(veth.stderr || `exit ${veth.status}`).trim()}`;
  return undefined;
}

/** Runs `ip ARGS...`; fails with the command and its stderr. */
export async function ip(...args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync("ip", args, { encoding: "utf8" });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(" ")} failed: ${(e.stderr ?? "").trim() || e.message}`);
  }
}

/** The names of the network namespaces that exist now (`ip netns list`). */
export async function listNamespaces(): Promise<string[]> {
  const out = await ip("netns", "list");
  return out
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0] ?? "")
    .filter((name) => name !== "");
}

/**
 * Deletes the namespaces a previous run left behind when it was killed before its cleanup ran: names
 * `pk-PID-*` whose PID is no longer a running process. Any process still inside one (a node of that run)
 * is sent SIGKILL first, by the pids `ip netns pids` lists. Returns the namespaces it deleted.
 */
export async function sweepStaleNamespaces(): Promise<string[]> {
  const swept: string[] = [];
  for (const ns of await listNamespaces()) {
    const match = /^pk-(\d+)-(?:a|b|c|sw|probe)$/.exec(ns);
    if (!match || isAlive(Number(match[1]))) continue;
    try {
      const pids = (await ip("netns", "pids", ns)).split("\n").filter((line) => /^\d+$/.test(line.trim()));
      for (const pid of pids) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      await ip("netns", "del", ns);
      swept.push(ns);
    } catch {
      // Best effort: a namespace that cannot be swept does not stop this run, whose names differ.
    }
  }
  return swept;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** One host of the test network: a namespace, its interface and its address. */
export interface Host {
  /** Short name: "a", "b", "c". */
  name: string;
  /** The namespace, unique per run: `pk-<pid>-<name>`. */
  ns: string;
  /** The host's interface inside its namespace (one end of its veth pair). */
  dev: string;
  /** Its address, 10.231.0.N. */
  addr: string;
}

/**
 * A switch namespace with a bridge, and one namespace per host, each linked to the bridge by a veth
 * pair. `create()` builds it; `destroy()` deletes every namespace it made (which also removes the veth
 * pairs and the bridge), whatever state a failed `create()` left.
 */
export class NetnsTopology {
  readonly prefix = `pk-${process.pid}`;
  readonly switchNs = `${this.prefix}-sw`;
  readonly hosts: Host[];
  private readonly created: string[] = [];

  constructor(names: readonly string[]) {
    this.hosts = names.map((name, i) => ({ name, ns: `${this.prefix}-${name}`, dev: "eth0", addr: `${SUBNET}.${i + 1}` }));
  }

  host(name: string): Host {
    const host = this.hosts.find((h) => h.name === name);
    if (!host) throw new Error(`no host ${name}`);
    return host;
  }

  /**
   * Builds the network:
   *   ip netns add pk-PID-sw;  ip -n pk-PID-sw link add br0 type bridge;  ip -n pk-PID-sw link set br0 up
   *   for each host X (address 10.231.0.N/24):
   *     ip netns add pk-PID-X;  ip -n pk-PID-X link set lo up
   *     ip -n pk-PID-sw link add vX type veth peer name eth0 netns pk-PID-X
   *     ip -n pk-PID-sw link set vX master br0;  ip -n pk-PID-sw link set vX up
   *     ip -n pk-PID-X addr add 10.231.0.N/24 dev eth0;  ip -n pk-PID-X link set eth0 up
   * The veth pairs are created directly in the switch namespace with the peer end placed in the host's
   * namespace, so no interface ever appears in the root namespace.
   */
  async create(): Promise<void> {
    await this.addNamespace(this.switchNs);
    const sw = this.switchNs;
    await ip("-n", sw, "link", "set", "lo", "up");
    await ip("-n", sw, "link", "add", "br0", "type", "bridge", "stp_state", "0");
    await ip("-n", sw, "link", "set", "br0", "up");
    for (const host of this.hosts) {
      await this.addNamespace(host.ns);
      await ip("-n", host.ns, "link", "set", "lo", "up");
      const port = `v${host.name}`;
      await ip("-n", sw, "link", "add", port, "type", "veth", "peer", "name", host.dev, "netns", host.ns);
      await ip("-n", sw, "link", "set", port, "master", "br0");
      await ip("-n", sw, "link", "set", port, "up");
      await ip("-n", host.ns, "addr", "add", `${host.addr}/24`, "dev", host.dev);
      await ip("-n", host.ns, "link", "set", host.dev, "up");
    }
  }

  /** Takes a host's interface down (the cable is pulled: no FIN, no RST, just silence). */
  async cut(host: Host): Promise<void> {
    await ip("-n", host.ns, "link", "set", host.dev, "down");
  }

  /** Brings a host's interface back up. */
  async restore(host: Host): Promise<void> {
    await ip("-n", host.ns, "link", "set", host.dev, "up");
  }

  /** Deletes every namespace this topology created; never throws, returns what it could not delete. */
  async destroy(): Promise<string[]> {
    const failed: string[] = [];
    for (const ns of [...this.created].reverse()) {
      try {
        await ip("netns", "del", ns);
      } catch (error) {
        failed.push(`${ns}: ${(error as Error).message}`);
      }
    }
    this.created.length = 0;
    return failed;
  }

  private async addNamespace(ns: string): Promise<void> {
    await ip("netns", "add", ns);
    this.created.push(ns);
  }
}

/** A CLI node started in a namespace. */
export interface NetnsNode {
  host: Host;
  proc: CliProcess;
  id: string;
  /** `ADDR:PORT`, for `--bootstrap`. */
  address: string;
}

/**
 * Starts CLI nodes inside namespaces (each in a fresh temp directory holding its `peerkit.config.json`),
 * and stops them all in `cleanup()`.
 */
export class NetnsNodes {
  readonly nodes: NetnsNode[] = [];
  private readonly processes: CliProcess[] = [];
  private readonly children = new Map<CliProcess, ChildProcessWithoutNullStreams>();
  private readonly directories: string[] = [];

  /**
   * Runs `ip netns exec NS node dist/cli/main.js start --json --host ADDR --port PORT ...args` and waits
   * for its `listening` event. `ip netns exec` execs the command in place, so the child's pid is the
   * node's and a signal sent to it reaches the node.
   */
  async start(host: Host, args: readonly string[], config: Record<string, unknown>, port = 7001): Promise<NetnsNode> {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} does not exist: run "npm run build" first (npm test does it).`);
    const cwd = await mkdtemp(join(tmpdir(), "peerkit-netns-"));
    this.directories.push(cwd);
    await writeFile(join(cwd, "peerkit.config.json"), JSON.stringify(config));
    const full = ["start", "--json", "--host", host.addr, "--port", String(port), ...insecureIfIdChosen(args)];
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
    // The test runner's loader hooks are not for the child.
    delete env.NODE_OPTIONS;
    const child = spawn("ip", ["netns", "exec", host.ns, process.execPath, CLI_PATH, ...full], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    const proc = new CliProcess(child, true, [`(in ${host.ns})`, ...full]);
    this.processes.push(proc);
    this.children.set(proc, child);
    const listening = await proc.waitFor((e) => e.event === "listening", `the listening event of host ${host.name}`);
    const node: NetnsNode = { host, proc, id: listening.id as string, address: `${host.addr}:${listening.port as number}` };
    this.nodes.push(node);
    return node;
  }

  /**
   * Resolves once `test(stderr)` holds for the node's stderr (its log); fails after `timeoutMs` or when the
   * process exits first. For what only the log shows, such as a failed redial (`--debug`).
   */
  waitForLog(node: NetnsNode, test: (stderr: string) => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
    const child = this.children.get(node.proc);
    if (!child) return Promise.reject(new Error(`not a node of this fixture: ${node.id}`));
    return new Promise<void>((resolve, reject) => {
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        child.stderr.off("data", check);
        child.off("close", onClose);
        if (error) reject(error);
        else resolve();
      };
      // Registered after CliProcess's own listener, so `proc.stderr` already holds the new chunk.
      const check = (): void => {
        if (test(node.proc.stderr)) finish();
      };
      const onClose = (): void => finish(new Error(`the process exited before ${what}\n${node.proc.describe()}`));
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${node.proc.describe()}`)), timeoutMs);
      child.stderr.on("data", check);
      child.on("close", onClose);
      check();
    });
  }

  /**
   * SIGTERMs every node and waits for it to exit (SIGKILL after `WAIT_MS`), then removes the temp
   * directories. Returns the nodes that did not exit cleanly (code 0), for the caller to report.
   */
  async cleanup(): Promise<string[]> {
    const problems: string[] = [];
    await Promise.all(
      this.processes.map(async (proc) => {
        if (proc.exitStatus !== undefined) {
          problems.push(`had already exited with ${JSON.stringify(proc.exitStatus)} before the cleanup:\n${proc.describe()}`);
          return;
        }
        proc.signal("SIGTERM");
        try {
          const status = await proc.waitForExit(WAIT_MS);
          if (status.code !== 0) problems.push(`exited with ${JSON.stringify(status)} after SIGTERM:\n${proc.describe()}`);
        } catch {
          problems.push(`did not exit within ${WAIT_MS} ms of SIGTERM; killed:\n${proc.describe()}`);
          await proc.kill();
        }
      }),
    );
    this.processes.length = 0;
    await Promise.all(this.directories.map((dir) => rm(dir, { recursive: true, force: true })));
    this.directories.length = 0;
    return problems;
  }
}
