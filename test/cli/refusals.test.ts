import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { CliFixture, connectedTo } from "./cli-process.js";

const cli = new CliFixture();
const servers: Server[] = [];
afterEach(async () => {
  await cli.cleanup();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
}, 30_000);

/** Log lines at warn level or above, as the CLI's logger writes them on stderr. */
const LOUD_LOG_LINE = /^\S+ (WARN|ERROR) /m;

/**
 * An HTTP server on 127.0.0.1, port 0, that answers anything it cannot parse (a peerkit PING, a TLS
 * ClientHello) with a 400 and a 12-line page, as many web servers do; counts its connections.
 */
async function chattyHttpServer(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const page = ["<html>", "<head><title>400 Bad Request</title></head>", "<body>", ...Array.from({ length: 8 }, (_, i) => `<p>line ${i}</p>`), "</body></html>"].join("\n");
  const server = createServer((_request, response) => response.end("hello\n"));
  server.on("connection", () => connections++);
  server.on("clientError", (_error, socket) => socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n${page}\n`));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

describe("peerkit start: what a refused or mistaken connection tells the user", { timeout: 90_000 }, () => {
  for (const mode of ["secure", "insecure"] as const) {
    it(`/join to an HTTP server (${mode}) is one error that says no peerkit node answers there, with no warning and no second dial`, async () => {
      const http = await chattyHttpServer();
      const a = await cli.node(mode === "insecure" ? ["--insecure"] : []);
      a.proc.send(`/join 127.0.0.1:${http.port}`);
      const error = await a.proc.waitFor((e) => e.event === "error", "the answer to /join");
      expect(error.code).toBe("ERR_DIAL_FAILED");
      expect(error.message).toMatch(mode === "insecure" ? /no peerkit node answers there \(protocol mismatch/ : /does not speak TLS: .* is not a peerkit node/);
      expect(error.message).toMatch(/Check the address/);

      // A later command's answer: anything /join printed or logged came before it.
      a.proc.send("/peers");
      await a.proc.waitFor((e) => e.event === "peers", "the answer to /peers");
      expect(a.proc.filter((e) => e.event === "error")).toHaveLength(1);
      expect(a.proc.stderr).not.toMatch(LOUD_LOG_LINE);
      expect(http.connections()).toBe(1);
      expect(await a.proc.stop()).toEqual({ code: 0, signal: null });
    });
  }

  it("--insecure: a second node with a taken id is told so with the fix, does not redial soon, and the refusing node says it once", async () => {
    // Short redial delays: a node that redialled with them would do it 20 times within the window watched
    // below; a refused address waits keepalive.timeoutMs (15 s by default) instead.
    const config = { keepalive: { redialBaseMs: 50, redialMaxMs: 100 } };
    const a = await cli.node(["--id", "alice", "--debug"], { config });
    const b = await cli.node(["--id", "bob", "--bootstrap", a.address], { config });
    await a.proc.waitFor(connectedTo("bob"), "a to connect the first bob");

    const second = await cli.node(["--id", "bob", "--bootstrap", a.address, "--debug"], { config });
    const refused = /could not join a bootstrap peer .*refused this node: its id \\?"bob\\?" is already used by another node connected there\. Start this node with another id \(--id NAME\)/;
    await waitForStderr(second.proc, refused);
    await sleep(20 * config.keepalive.redialMaxMs);

    expect(second.proc.stderr.match(new RegExp(refused.source, "g"))).toHaveLength(1);
    expect(second.proc.stderr).not.toMatch(/redialling a kept peer/);
    // One line, at warn level, debug included (where a throttled repeat would go).
    const refusals = a.proc.stderr.split("\n").filter((line) => line.includes("refused a node that claims the id of a connected peer"));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatch(/ WARN .* id=bob /);
    expect(refusals[0]).toContain(`claimedBy=127.0.0.1:${second.port}`);
    expect(refusals[0]).toContain(`heldBy=127.0.0.1:${b.port}`);
    expect(second.proc.filter((e) => e.event === "peer:connect")).toEqual([]);

    // Asked by hand, it is the same answer, as an error with its code.
    second.proc.send(`/join ${a.address}`);
    const error = await second.proc.waitFor((e) => e.event === "error", "the answer to /join");
    expect(error).toMatchObject({ code: "ERR_ID_TAKEN", message: expect.stringMatching(/--id NAME/) });
    // The first bob keeps its place.
    expect(a.proc.filter((e) => e.event === "peer:disconnect")).toEqual([]);
  });

  it("a secure node sharing another's identity key (the same --data-dir) is told to give it its own --data-dir", async () => {
    const a = await cli.node();
    const dataDir = await cli.tempDir();
    const b = await cli.node(["--data-dir", dataDir, "--bootstrap", a.address]);
    await a.proc.waitFor(connectedTo(b.id), "a to connect the first node of the key");

    const second = await cli.node(["--data-dir", dataDir, "--bootstrap", a.address]);
    expect(second.id).toBe(b.id);
    await waitForStderr(second.proc, /refused this node: its id .* is already used by another node connected there\. Two nodes share one identity key \(the same --data-dir\): give this node its own --data-dir/);
    await waitForStderr(a.proc, new RegExp(`WARN .*refused a node that claims the id of a connected peer.* id=${b.id} claimedBy=127\\.0\\.0\\.1:${second.port}`));
    expect(a.proc.filter((e) => e.event === "peer:disconnect")).toEqual([]);
  });
});

/** Waits until the process's stderr matches. */
async function waitForStderr(proc: { stderr: string; describe(): string }, pattern: RegExp, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(proc.stderr)) {
    if (Date.now() > deadline) throw new Error(`stderr never matched ${pattern}\n${proc.describe()}`);
    await sleep(50);
  }
}
