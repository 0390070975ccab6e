/**
 * RFC 4648 base32 (section 6), lowercase, without padding; decoding is strict and canonical: one text per
 * byte string, so two different texts never name the same bytes.
 */

const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const VALUES = new Map([...ALPHABET].map((char, index) => [char, index]));

/** Encodes bytes as lowercase RFC 4648 base32 without `=` padding. */
export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes lowercase, unpadded base32; undefined for any other character, an impossible length, or
 * non-zero trailing bits (a non-canonical text).
 */
export function base32Decode(text: string): Buffer | undefined {
  // Lengths whose last character would carry no whole byte (1, 3, 6 mod 8) are never produced.
  if ([1, 3, 6].includes(text.length % 8)) return undefined;
  const out = Buffer.alloc(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of text) {
    const value = VALUES.get(char);
    if (value === undefined) return undefined;
    buffer = ((buffer << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >>> bits) & 0xff;
    }
  }
  // The bits left over (fewer than 8) are padding and must be zero.
  if ((buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}
