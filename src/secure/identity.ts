/**
 * A node's long-term identity: an ed25519 key pair and the peer id derived from it. With a data
 * directory the private key lives in `DIR/identity.key` (PKCS#8 PEM, mode 0o600); without one the
 * identity is new at each start.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { closeSync, constants, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { errorMessage } from "../base/error-message.js";
import { IdentityKeyError } from "./errors.js";
import { peerIdOf } from "./peer-id.js";

/** The key file's name inside the data directory. */
export const IDENTITY_FILE = "identity.key";

/** A node's identity. `privateKey` never leaves the process except into its key file. */
export interface Identity {
  /** The peer id, derived from `publicKey` (see `peerIdOf`). */
  readonly peerId: string;
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
}

/** An identity for one run: a new key pair, kept nowhere. */
export function ephemeralIdentity(): Identity {
  const { privateKey } = generateKeyPairSync("ed25519");
  return identityOf(privateKey);
}

/**
 * The identity of an ed25519 private key.
 *
 * @throws TypeError when the key is not an ed25519 private key.
 */
export function identityOf(privateKey: KeyObject): Identity {
  if (privateKey.type !== "private" || privateKey.asymmetricKeyType !== "ed25519") {
    throw new TypeError("an ed25519 private key is required");
  }
  const publicKey = createPublicKey(privateKey);
  return Object.freeze({ peerId: peerIdOf(publicKey), publicKey, privateKey });
}

/**
 * The identity kept in `dataDir`: loads `dataDir/identity.key`, or creates it on first use (the file
 * with mode 0o600; the directory with mode 0o700 if it did not exist). Creation is atomic and exclusive, so
 * two processes starting at once on one directory end with the same identity (the loser loads the winner's).
 *
 * @throws IdentityKeyError when the file is readable or writable by group or others, is not a PKCS#8
 *   PEM ed25519 private key, or cannot be read or written.
 */
export function loadOrCreateIdentity(dataDir: string): Identity {
  const path = join(dataDir, IDENTITY_FILE);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new IdentityKeyError(path, `cannot create the data directory (${errorMessage(error)})`, "Check the --data-dir path and its permissions.", { cause: error });
  }
  const created = createKeyFile(path);
  return created ?? loadKeyFile(path);
}

/**
 * Writes a new key to `path` if no file is there; undefined when one already exists. The key is written
 * to a temporary file first and then hard-linked into place, so no reader ever sees a half-written file.
 */
function createKeyFile(path: string): Identity | undefined {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const identity = ephemeralIdentity();
  try {
    const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      writeFileSync(fd, identity.privateKey.export({ type: "pkcs8", format: "pem" }));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(temporary, path);
    return identity;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    throw new IdentityKeyError(path, `cannot create it (${errorMessage(error)})`, "Check that the data directory is writable by this user.", { cause: error });
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Loads and checks an existing key file. */
function loadKeyFile(path: string): Identity {
  let pem: Buffer;
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new IdentityKeyError(path, "it is not a regular file", "Remove it; a new identity is created at the next start.");
    if ((stat.mode & 0o077) !== 0) {
      throw new IdentityKeyError(
        path,
        `its mode ${(stat.mode & 0o777).toString(8).padStart(4, "0")} lets group or others read or write it`,
        `Run \`chmod 600 ${path}\`; if others may have read it, the identity is compromised: delete the file to get a new one.`,
      );
    }
    pem = readFileSync(fd);
  } catch (error) {
    if (error instanceof IdentityKeyError) throw error;
    throw new IdentityKeyError(path, `cannot read it (${errorMessage(error)})`, "Check that it is a file readable by this user (not a symbolic link).", { cause: error });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: "pem" });
  } catch (error) {
    throw new IdentityKeyError(path, "it is not a PEM private key", "Restore the file from a backup, or delete it to get a new identity.", { cause: error });
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new IdentityKeyError(
      path,
      `it holds a ${privateKey.asymmetricKeyType ?? "unknown"} key, not an ed25519 key`,
      "Give peerkit a data directory of its own, or delete the file to get a new identity.",
    );
  }
  return identityOf(privateKey);
}
