import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { selfSignedCertificate } from "../../src/secure/certificate.js";
import { bitString, explicit, integer, oid, sequence, time, utf8String } from "../../src/secure/der.js";
import { ephemeralIdentity } from "../../src/secure/identity.js";
import { peerIdOf } from "../../src/secure/peer-id.js";

const OPENSSL = ["/usr/bin/openssl", "/usr/local/bin/openssl"].find((path) => existsSync(path));
if (OPENSSL === undefined) console.warn("certificate.test.ts: no openssl binary found; the OpenSSL CLI checks are skipped");

const hex = (der: Buffer): string => der.toString("hex");

describe("DER encoder", () => {
  it("encodes the X.690 examples", () => {
    expect(hex(integer(0))).toBe("020100");
    expect(hex(integer(127))).toBe("02017f");
    expect(hex(integer(128))).toBe("02020080");
    expect(hex(integer(256))).toBe("02020100");
    expect(hex(integer(Buffer.from([0, 0, 0x80])))).toBe("02020080");
    expect(hex(oid("1.3.101.112"))).toBe("06032b6570");
    expect(hex(oid("2.5.4.3"))).toBe("0603550403");
    expect(hex(oid("1.2.840.113549.1.1.11"))).toBe("06092a864886f70d01010b");
    expect(hex(bitString(Buffer.from([1, 2])))).toBe("0303000102");
    expect(hex(utf8String("é"))).toBe("0c02c3a9");
    expect(hex(explicit(0, integer(2)))).toBe("a003020102");
    expect(time(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))).toString("latin1")).toBe("\x17\x0d260102030405Z");
    expect(time(new Date(Date.UTC(2050, 0, 1))).toString("latin1")).toBe("\x18\x0f20500101000000Z");
    expect(time(new Date(Date.UTC(1949, 11, 31, 23, 59, 59))).toString("latin1")).toBe("\x18\x0f19491231235959Z");
  });

  it("uses the long length form from 128 bytes on", () => {
    expect(hex(sequence(Buffer.alloc(127))).slice(0, 4)).toBe("307f");
    expect(hex(sequence(Buffer.alloc(128))).slice(0, 6)).toBe("308180");
    expect(hex(sequence(Buffer.alloc(300))).slice(0, 8)).toBe("3082012c");
    expect(sequence(Buffer.alloc(70000)).subarray(0, 5).toString("hex")).toBe("3083011170");
  });
});

describe("self-signed certificate", () => {
  it("is parsed by Node, verifies under its own key, and holds the identity's key", () => {
    const identity = ephemeralIdentity();
    const now = new Date(Date.UTC(2026, 10, 29, 12, 0, 0));
    const { der, pem } = selfSignedCertificate(identity, now);
    for (const input of [der, pem]) {
      const cert = new X509Certificate(input);
      expect(cert.publicKey.equals(identity.publicKey)).toBe(true);
      expect(cert.verify(identity.publicKey)).toBe(true);
      expect(cert.verify(cert.publicKey)).toBe(true);
      expect(cert.verify(ephemeralIdentity().publicKey)).toBe(false);
      expect(cert.checkPrivateKey(identity.privateKey)).toBe(true);
      expect(cert.subject).toBe(`CN=${identity.peerId}`);
      expect(cert.issuer).toBe(`CN=${identity.peerId}`);
      expect(cert.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
      expect(new Date(cert.validFrom).getTime()).toBe(now.getTime() - 3_600_000);
      expect(cert.validTo).toBe("Dec 31 23:59:59 9999 GMT");
      expect(peerIdOf(cert.publicKey)).toBe(identity.peerId);
    }
  });

  it("has a fresh serial each time, and a flipped byte breaks the signature", () => {
    const identity = ephemeralIdentity();
    const a = new X509Certificate(selfSignedCertificate(identity).der);
    const b = new X509Certificate(selfSignedCertificate(identity).der);
    expect(a.serialNumber).not.toBe(b.serialNumber);
    const der = Buffer.from(selfSignedCertificate(identity).der);
    const at = der.indexOf(Buffer.from(identity.peerId)) + 5;
    der[at] = (der[at] ?? 0) ^ 0x01;
    expect(new X509Certificate(der).verify(identity.publicKey)).toBe(false);
  });

  it.skipIf(OPENSSL === undefined)("is parsed by the OpenSSL command line, DER and PEM, and verifies there", () => {
    const identity = ephemeralIdentity();
    const { der, pem } = selfSignedCertificate(identity);
    const text = execFileSync(OPENSSL ?? "openssl", ["x509", "-inform", "DER", "-noout", "-text"], { input: der, encoding: "utf8" });
    expect(text).toContain("Version: 3 (0x2)");
    expect(text).toContain("Signature Algorithm: ED25519");
    expect(text).toContain("Public Key Algorithm: ED25519");
    expect(text).toContain(`Subject: CN = ${identity.peerId}`);
    expect(text).toContain("Not After : Dec 31 23:59:59 9999 GMT");
    const raw = identity.publicKey.export({ type: "spki", format: "der" }).subarray(-32).toString("hex");
    expect(text.replace(/[\s:]/g, "")).toContain(raw);
    // The PEM round-trips through OpenSSL byte for byte.
    const back = execFileSync(OPENSSL ?? "openssl", ["x509", "-inform", "PEM", "-outform", "DER"], { input: pem });
    expect(back.equals(der)).toBe(true);
    // OpenSSL's own chain check of a self-signed certificate against itself (signature and dates).
    const dir = mkdtempSync(join(tmpdir(), "peerkit-cert-"));
    try {
      writeFileSync(`${dir}/cert.pem`, pem);
      const verified = execFileSync(OPENSSL ?? "openssl", ["verify", "-CAfile", `${dir}/cert.pem`, `${dir}/cert.pem`], { encoding: "utf8" });
      expect(verified.trim()).toBe(`${dir}/cert.pem: OK`);
      // asn1parse walks every DER element strictly.
      execFileSync(OPENSSL ?? "openssl", ["asn1parse", "-inform", "DER"], { input: der, stdio: "pipe" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
