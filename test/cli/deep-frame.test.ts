// Issue 9, item 1, as the issue tells it: a plain `peerkit start` must survive one deeply nested frame.
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../integration/tcp-nodes.js";
import { CliFixture, connectedTo, WAIT_MS } from "./cli-process.js";
import { closeRawPeers, rawClient } from "../integration/raw-peer.js";

const cli = new CliFixture();
afterEach(async () => {
  await closeRawPeers();
  await cli.cleanup();
}, 30_000);


const deepFrame = (inner: string) => `{"msg_type":"TEST","msg":${"[".repeat(4000)}${inner}${"]".repeat(4000)},"originator":"x","time":0}`;

describe("peerkit start facing one deeply nested frame", { timeout: 60_000 }, () => {
  it("logs the rejection, keeps running, answers PING and chats with an honest node", async () => {
    // Human mode with the default config: what a person runs. --debug, because after the first
    // rejection the warning is throttled and the second is written at debug level.
    const victim = await cli.spawn(["start", "--host", "127.0.0.1", "--port", "0", "--debug", "--insecure"], { defaults: false });
    const [, victimId, port] = await victim.waitForOutput(/\[listening\] id=(\S+) 127\.0\.0\.1:(\d+)/);

    const attacker = await rawClient(Number(port));
    attacker.socket.write(`${deepFrame('"\\u0041"')}\n${deepFrame('"constructor"')}\n`);
    const rejections = () => {
      if (victim.exitStatus !== undefined) throw new Error(`the node exited\n${victim.describe()}`);
      return (victim.stderr.match(/rejected a frame.*limits\.maxJsonDepth/g) ?? []).length;
    };
    await waitUntil(() => rejections() === 2, "two rejections on stderr", WAIT_MS);
    expect(victim.exitStatus).toBeUndefined();

    attacker.socket.write(JSON.stringify({ msg_type: "PING", msg: { id: "x", host: "127.0.0.1", port: 9 }, originator: "x", time: Date.now() }) + "\n");
    await waitUntil(() => attacker.received().includes('"msg_type":"PONG"'), `a PONG to the attacker\n${victim.describe()}`, WAIT_MS);

    const honest = await cli.node(["--id", "honest", "--bootstrap", `127.0.0.1:${port}`]);
    await honest.proc.waitFor(connectedTo(victimId!), "the honest node to connect");
    await victim.waitForOutput(/\[connect\] honest 127\.0\.0\.1:\d+/);
    honest.proc.send("still there?");
    await victim.waitForOutput(/<honest> still there\?/);
    expect(victim.exitStatus).toBeUndefined();
  });
});
