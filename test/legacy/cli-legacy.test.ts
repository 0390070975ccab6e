// The user story: an original Python peer on a port, and `peerkit start --legacy --bootstrap legacy://...`.
import { afterEach, describe, expect, it } from "vitest";
import { chatLine, CliFixture, connectedTo } from "../cli/cli-process.js";
import { waitUntil } from "../integration/tcp-nodes.js";
import { LegacyPeer } from "./legacy-peer.js";

const cli = new CliFixture();
let python: LegacyPeer | undefined;
afterEach(async () => {
  await python?.stop();
  python = undefined;
  await cli.cleanup();
}, 30_000);

describe("peerkit start --legacy --bootstrap legacy://HOST:PORT", { timeout: 60_000 }, () => {
  it("joins an original Python peer and chats with it both ways", async () => {
    python = await new LegacyPeer("py-5001").start();
    const node = await cli.node(["--legacy", "--bootstrap", `legacy://127.0.0.1:${python.port}`, "--nick", "ann"]);
    await node.proc.waitFor(connectedTo("py-5001"), "the join of the Python peer");
    expect(python.peers.get(node.id)).toEqual(["127.0.0.1", node.port]);

    node.proc.send("hello, python");
    await waitUntil(() => python!.shown.length === 1, "the Python peer to show the line", 15_000);
    expect(python.shown).toEqual([{ originator: node.id, text: "hello, python" }]);

    python.broadcast("hello, peerkit");
    const line = await node.proc.waitFor(chatLine("hello, peerkit"), "peerkit to show the Python peer's line");
    expect(line).toMatchObject({ originator: "py-5001", msg: { text: "hello, peerkit" } });
  });
});
