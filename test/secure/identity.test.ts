import { generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { IdentityKeyError } from "../../src/secure/errors.js";
import { ephemeralIdentity, IDENTITY_FILE, identityOf, loadOrCreateIdentity } from "../../src/secure/identity.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "peerkit-identity-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function codeOf(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(IdentityKeyError);
    return error as IdentityKeyError;
  }
  throw new Error("expected a throw");
}

describe("identity", () => {
  it("ephemeral identities are new each time", () => {
    const a = ephemeralIdentity();
    const b = ephemeralIdentity();
    expect(a.peerId).not.toBe(b.peerId);
    expect(a.privateKey.asymmetricKeyType).toBe("ed25519");
    expect(Object.isFrozen(a)).toBe(true);
  });

  it("is created on first use (file 0600, new directory 0700) and loaded afterwards", () => {
    const dir = join(tempDir(), "data", "node1");
    const first = loadOrCreateIdentity(dir);
    const file = join(dir, IDENTITY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const second = loadOrCreateIdentity(dir);
    expect(second.peerId).toBe(first.peerId);
    expect(second.privateKey.equals(first.privateKey)).toBe(true);
  });

  it("leaves the mode of an existing directory alone, and leaves no temporary file", () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    loadOrCreateIdentity(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o755);
    expect(new Set(readdirSync(dir))).toEqual(new Set([IDENTITY_FILE]));
  });

  it("refuses a key file readable or writable by group or others, naming chmod", () => {
    const dir = tempDir();
    loadOrCreateIdentity(dir);
    const file = join(dir, IDENTITY_FILE);
    for (const mode of [0o640, 0o604, 0o620, 0o644]) {
      chmodSync(file, mode);
      const error = codeOf(() => loadOrCreateIdentity(dir));
      expect(error.code).toBe("ERR_IDENTITY_KEY");
      expect(error.message).toContain(`chmod 600 ${file}`);
    }
    chmodSync(file, 0o400);
    expect(loadOrCreateIdentity(dir).peerId).toMatch(/^pk_/);
  });

  it("refuses a key that is not ed25519, and a file that is not a PEM key", () => {
    const dir = tempDir();
    const file = join(dir, IDENTITY_FILE);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" });
    writeFileSync(file, rsa, { mode: 0o600 });
    const error = codeOf(() => loadOrCreateIdentity(dir));
    expect(error.message).toMatch(/holds a rsa key, not an ed25519 key/);
    writeFileSync(file, "hello\n", { mode: 0o600 });
    expect(codeOf(() => loadOrCreateIdentity(dir)).message).toMatch(/not a PEM private key.*delete it to get a new identity/);
  });

  it("gives later creators the first one's identity (creation is exclusive)", async () => {
    const dir = tempDir();
    const ids = await Promise.all(Array.from({ length: 8 }, () => Promise.resolve().then(() => loadOrCreateIdentity(dir).peerId)));
    expect(new Set(ids).size).toBe(1);
  });

  it("identityOf refuses what is not an ed25519 private key", () => {
    expect(() => identityOf(generateKeyPairSync("ed25519").publicKey)).toThrow(TypeError);
    expect(() => identityOf(generateKeyPairSync("x25519").privateKey)).toThrow(TypeError);
  });
});
