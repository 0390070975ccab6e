import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { connect, createServer, type Server, type TLSSocket } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { selfSignedCertificate } from "../../src/secure/certificate.js";
import { PeerAuthenticationError } from "../../src/secure/errors.js";
import { ephemeralIdentity, type Identity } from "../../src/secure/identity.js";
import { ALPN_PROTOCOL, peerIdOfTlsSocket, tlsOptionsFor } from "../../src/secure/tls.js";

const OPENSSL = ["/usr/bin/openssl", "/usr/local/bin/openssl"].find((path) => existsSync(path));

/** What one side of a connection ended with: the peer id it derived, or the error that refused the peer. */
type Outcome = { id: string; socket: TLSSocket } | { error: unknown };

const servers: Server[] = [];
const sockets: TLSSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function outcomeOf(socket: TLSSocket): Outcome {
  try {
    return { id: peerIdOfTlsSocket(socket), socket };
  } catch (error) {
    socket.destroy();
    return { error };
  }
}

/** Connects a client to a server over 127.0.0.1 with these TLS options; resolves with both sides' outcomes. */
async function handshake(serverOptions: object, clientOptions: object): Promise<{ server: Outcome; client: Outcome }> {
  const server = createServer(serverOptions);
  servers.push(server);
  const serverSide = new Promise<Outcome>((resolve) => {
    server.on("secureConnection", (socket) => {
      sockets.push(socket);
      socket.on("error", () => undefined);
      resolve(outcomeOf(socket));
    });
    server.on("tlsClientError", (error) => resolve({ error }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const clientSide = new Promise<Outcome>((resolve) => {
    const socket = connect({ ...clientOptions, host: "127.0.0.1", port });
    sockets.push(socket);
    socket.on("secureConnect", () => resolve(outcomeOf(socket)));
    socket.on("error", (error) => resolve({ error }));
  });
  const [serverOutcome, clientOutcome] = await Promise.all([serverSide, clientSide]);
  // Give a NewSessionTicket, if any were sent, the time to arrive.
  if ("socket" in clientOutcome) await new Promise((resolve) => clientOutcome.socket.write("x", resolve));
  if ("socket" in serverOutcome) await new Promise((resolve) => serverOutcome.socket.write("y", resolve));
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { server: serverOutcome, client: clientOutcome };
}

function idOf(outcome: Outcome): string {
  if ("error" in outcome) throw outcome.error;
  return outcome.id;
}

function refusal(outcome: Outcome): PeerAuthenticationError {
  expect("error" in outcome).toBe(true);
  const error = (outcome as { error: unknown }).error;
  expect(error).toBeInstanceOf(PeerAuthenticationError);
  expect((error as PeerAuthenticationError).code).toBe("ERR_PEER_AUTHENTICATION");
  return error as PeerAuthenticationError;
}

/** TLS options of an identity whose certificate's signature bytes are corrupted (its key is still right). */
function withBrokenSelfSignature(identity: Identity): object {
  const der = Buffer.from(selfSignedCertificate(identity).der);
  der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0xff;
  const pem = `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{1,64}/g, "$&\n")}-----END CERTIFICATE-----\n`;
  return { ...tlsOptionsFor(identity), cert: pem };
}

/** TLS options of an RSA key with an OpenSSL-made self-signed certificate, otherwise as peerkit's. */
function rsaOptions(): object {
  const out = execFileSync(OPENSSL ?? "openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=rsa", "-days", "1", "-keyout", "-", "-out", "-"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/.exec(out)?.[0];
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/.exec(out)?.[0];
  return { ...tlsOptionsFor(ephemeralIdentity()), sigalgs: undefined, key, cert };
}

describe("TLS 1.3 secure channel", () => {
  it("authenticates both sides mutually: each learns the other's peer id from the key it proved", async () => {
    const alice = ephemeralIdentity();
    const bob = ephemeralIdentity();
    const { server, client } = await handshake(tlsOptionsFor(alice), tlsOptionsFor(bob));
    expect(idOf(server)).toBe(bob.peerId);
    expect(idOf(client)).toBe(alice.peerId);
    for (const side of [server, client]) {
      const socket = (side as { socket: TLSSocket }).socket;
      expect(socket.getProtocol()).toBe("TLSv1.3");
      expect(socket.alpnProtocol).toBe(ALPN_PROTOCOL);
      expect(socket.isSessionReused()).toBe(false);
      // Forward secrecy: an ephemeral (EC)DHE key exchange, never a static one.
      expect(socket.getCipher().version).toBe("TLSv1.3");
    }
    const clientSocket = (client as { socket: TLSSocket }).socket;
    expect(clientSocket.getEphemeralKeyInfo()).toMatchObject({ type: "ECDH", name: "X25519" });
    // getPeerCertificate() has no `pubkey` for an ed25519 key (Node fills it for RSA and EC only): the key
    // comes from getPeerX509Certificate().publicKey, or from `raw`.
    const serverSocket = (server as { socket: TLSSocket }).socket;
    // ed25519 is the only signature scheme both sides offered; the key exchange is X25519 (ephemeral).
    expect(serverSocket.getSharedSigalgs()).toEqual(["Ed25519+UNDEF"]);
    expect(clientSocket.getSharedSigalgs()).toEqual(["Ed25519+UNDEF"]);
    const legacy = serverSocket.getPeerCertificate(true);
    expect(legacy.subject).toEqual({ CN: bob.peerId });
    expect(legacy.pubkey).toBeUndefined();
    expect(new X509Certificate(legacy.raw).publicKey.equals(bob.publicKey)).toBe(true);
  });

  it("never resumes a session: every connection is a full handshake", async () => {
    const alice = ephemeralIdentity();
    const bob = ephemeralIdentity();
    const server = createServer(tlsOptionsFor(alice));
    servers.push(server);
    server.on("secureConnection", (socket) => {
      sockets.push(socket);
      socket.on("error", () => undefined);
      socket.write("hi");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const dial = (session?: Buffer) =>
      new Promise<{ socket: TLSSocket; session?: Buffer }>((resolve, reject) => {
        const socket = connect({ ...tlsOptionsFor(bob), host: "127.0.0.1", port, ...(session ? { session } : {}) });
        sockets.push(socket);
        let last: Buffer | undefined;
        socket.on("session", (ticket: Buffer) => (last = ticket));
        socket.on("error", reject);
        socket.on("data", () => setTimeout(() => resolve({ socket, ...(last ? { session: last } : {}) }), 30));
      });
    const first = await dial();
    expect(first.socket.isSessionReused()).toBe(false);
    const second = await dial(first.session ?? first.socket.getSession());
    expect(second.socket.isSessionReused()).toBe(false);
    expect(peerIdOfTlsSocket(second.socket)).toBe(alice.peerId);
  });

  it("carries data both ways once authenticated", async () => {
    const alice = ephemeralIdentity();
    const bob = ephemeralIdentity();
    const { server, client } = await handshake(tlsOptionsFor(alice), tlsOptionsFor(bob));
    const serverSocket = (server as { socket: TLSSocket }).socket;
    const clientSocket = (client as { socket: TLSSocket }).socket;
    const got = new Promise<string>((resolve) => serverSocket.on("data", (chunk: Buffer) => { if (chunk.toString().includes("hello")) resolve(chunk.toString()); }));
    clientSocket.write("hello\n");
    expect(await got).toContain("hello");
  });

  it("ignores the certificate's self-signature: the id is the key the handshake's CertificateVerify proved", async () => {
    const alice = ephemeralIdentity();
    const mallory = ephemeralIdentity();
    const first = await handshake(tlsOptionsFor(alice), withBrokenSelfSignature(mallory));
    expect(idOf(first.server)).toBe(mallory.peerId);
    const second = await handshake(withBrokenSelfSignature(mallory), tlsOptionsFor(alice));
    expect(idOf(second.client)).toBe(mallory.peerId);
  });

  it.skipIf(OPENSSL === undefined)("refuses a peer with an RSA key, on either side: in the handshake (ed25519 is the only sigalg), else in the check", async () => {
    const alice = ephemeralIdentity();
    // An RSA client finds no ed25519 scheme in the CertificateRequest and sends no certificate: refused.
    const first = await handshake(tlsOptionsFor(alice), rsaOptions());
    expect(refusal(first.server).message).toContain("presented no certificate");
    // An RSA server cannot sign the handshake with a scheme the client accepts: the handshake fails.
    const second = await handshake(rsaOptions(), tlsOptionsFor(alice));
    expect("error" in second.client).toBe(true);
    expect("error" in second.server).toBe(true);
    // With the sigalgs restriction lifted, the handshake completes and peerIdOfTlsSocket refuses the key.
    const loose = { ...tlsOptionsFor(alice), sigalgs: undefined };
    const third = await handshake(loose, rsaOptions());
    expect(refusal(third.server).message).toContain("holds a rsa key, not an ed25519 key");
    const fourth = await handshake(rsaOptions(), loose);
    expect(refusal(fourth.client).message).toContain("holds a rsa key, not an ed25519 key");
  });

  it("refuses a client that presents no certificate", async () => {
    const alice = ephemeralIdentity();
    const options = tlsOptionsFor(ephemeralIdentity());
    const { server } = await handshake(tlsOptionsFor(alice), { ...options, key: undefined, cert: undefined });
    expect(refusal(server).message).toContain("no certificate");
  });

  it("refuses a peer that does not speak ALPN peerkit/2", async () => {
    const alice = ephemeralIdentity();
    const bob = ephemeralIdentity();
    // Another protocol: Node's server ends the handshake itself (alert no_application_protocol).
    const other = await handshake(tlsOptionsFor(alice), { ...tlsOptionsFor(bob), ALPNProtocols: ["h2"] });
    expect("error" in other.server && String(other.server.error)).toMatch(/no application protocol/);
    // No ALPN at all: the handshake completes, and the check refuses it (on the side that finishes first;
    // the other sees the connection closed, never an authenticated peer).
    const none = await handshake(tlsOptionsFor(alice), { ...tlsOptionsFor(bob), ALPNProtocols: undefined });
    expect(refusal(none.client).message).toContain('ALPN protocol "peerkit/2"');
    expect("error" in none.server).toBe(true);
    const serverWithout = await handshake({ ...tlsOptionsFor(alice), ALPNProtocols: undefined }, tlsOptionsFor(bob));
    expect(refusal(serverWithout.client).message).toContain('ALPN protocol "peerkit/2"');
    expect("error" in serverWithout.server).toBe(true);
  });

  it("gives the id at secureConnect; asked later, it gives the same id or refuses, never another id", async () => {
    // Node 20.20 / OpenSSL 3.0: once the server's NewSessionTicket messages arrive, the client's
    // getPeerX509Certificate() returns undefined. A transport derives the id once, in secureConnect.
    const alice = ephemeralIdentity();
    const { client } = await handshake(tlsOptionsFor(alice), tlsOptionsFor(ephemeralIdentity()));
    expect(idOf(client)).toBe(alice.peerId);
    const socket = (client as { socket: TLSSocket }).socket;
    try {
      expect(peerIdOfTlsSocket(socket)).toBe(alice.peerId);
    } catch (error) {
      expect(error).toBeInstanceOf(PeerAuthenticationError);
    }
  });

  it("does not speak TLS 1.2", async () => {
    const alice = ephemeralIdentity();
    const { client } = await handshake(tlsOptionsFor(alice), { ...tlsOptionsFor(ephemeralIdentity()), minVersion: "TLSv1.2", maxVersion: "TLSv1.2" });
    expect("error" in client).toBe(true);
  });
});
