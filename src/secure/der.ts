/**
 * A minimal ASN.1 DER encoder (ITU-T X.690): only the types a self-signed X.509 certificate needs. It
 * encodes; it never parses (parsing certificates is left to OpenSSL, through `crypto.X509Certificate`).
 */

/** One encoded DER value (tag, length, contents). */
export type Der = Buffer;

/** Tag, definite length (short or long form), contents. */
function tlv(tag: number, contents: Uint8Array): Der {
  const length = contents.length;
  let header: number[];
  if (length < 0x80) {
    header = [tag, length];
  } else {
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
    header = [tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(header), contents]);
}

/** SEQUENCE of the given values, in order. */
export function sequence(...items: Der[]): Der {
  return tlv(0x30, Buffer.concat(items));
}

/** SET of the given values. DER orders a SET OF by encoding; callers here pass a single item. */
export function set(...items: Der[]): Der {
  return tlv(0x31, Buffer.concat([...items].sort(Buffer.compare)));
}

/**
 * INTEGER from a non-negative big-endian magnitude or a small non-negative number: minimal, with a
 * leading 0x00 when the top bit is set (so it stays positive).
 */
export function integer(value: number | Uint8Array): Der {
  let bytes: Buffer;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError("integer: a non-negative safe integer is required");
    const hex = value.toString(16);
    bytes = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, "hex");
  } else {
    bytes = Buffer.from(value);
  }
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

/** OBJECT IDENTIFIER from its dotted form, e.g. `1.3.101.112`. */
export function oid(dotted: string): Der {
  const arcs = dotted.split(".").map((arc) => {
    if (!/^\d+$/.test(arc)) throw new RangeError(`oid: bad arc in ${dotted}`);
    return Number(arc);
  });
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined || first > 2 || (first < 2 && second > 39)) throw new RangeError(`oid: bad ${dotted}`);
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    if (!Number.isSafeInteger(arc)) throw new RangeError(`oid: arc too large in ${dotted}`);
    const groups: number[] = [arc & 0x7f];
    for (let high = Math.floor(arc / 128); high > 0; high = Math.floor(high / 128)) groups.unshift(0x80 | (high & 0x7f));
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** BIT STRING of whole bytes (no unused bits). */
export function bitString(bytes: Uint8Array): Der {
  return tlv(0x03, Buffer.concat([Buffer.from([0]), bytes]));
}

/** UTF8String. */
export function utf8String(text: string): Der {
  return tlv(0x0c, Buffer.from(text, "utf8"));
}

/**
 * A Time as RFC 5280 §4.1.2.5 requires: UTCTime (`YYMMDDHHMMSSZ`) for the years 1950–2049,
 * GeneralizedTime (`YYYYMMDDHHMMSSZ`) otherwise; whole seconds, UTC.
 */
export function time(date: Date): Der {
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError("time: year out of range");
  const two = (n: number): string => String(n).padStart(2, "0");
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(`${two(year % 100)}${rest}`, "ascii"));
  return tlv(0x18, Buffer.from(`${String(year).padStart(4, "0")}${rest}`, "ascii"));
}

/** A constructed context-specific tag `[n] EXPLICIT` around one value. */
export function explicit(tagNumber: number, value: Der): Der {
  if (tagNumber < 0 || tagNumber > 30) throw new RangeError("explicit: tag number out of range");
  return tlv(0xa0 | tagNumber, value);
}
