import { decomposeNumber, type AttributeValue } from '@shoal/model';

/**
 * Order-preserving encoding of key attribute values (S, N, B) into bytes: for two values of the
 * same type, unsigned byte comparison of the encodings orders them exactly as DynamoDB orders the
 * values (S by UTF-8 bytes, N numerically, B by bytes). Every encoding is self-delimiting, so a
 * partition key followed by a sort key compares component by component and a Query over one
 * partition key is one contiguous byte range.
 *
 * Format (frozen: stored on disk; golden tests in test/key-encoding.test.ts):
 *   S, B: the bytes with 0x00 escaped as 0x00 0xFF, then the terminator 0x00 0x01.
 *   N:    a sign class byte (0x01 negative, 0x02 zero, 0x03 positive), then for non-zero numbers
 *         the decimal exponent biased by EXPONENT_BIAS as two bytes, then one byte per
 *         significant digit (digit + 1), then the terminator 0x00. Negative numbers complement
 *         exponent and digit bytes, and end in 0xff, so that larger magnitudes sort first.
 */
const ESCAPE = 0x00;
const ESCAPED_ZERO = 0xff;
const STRING_TERMINATOR = 0x01;
const NUMBER_NEGATIVE = 0x01;
const NUMBER_ZERO = 0x02;
const NUMBER_POSITIVE = 0x03;
/** DynamoDB exponents lie within [-130, 125]; the bias keeps them positive in two bytes. */
const EXPONENT_BIAS = 1024;

export type KeyValue = { S: string } | { N: string } | { B: string };

export function keyValueBytes(value: KeyValue): Uint8Array {
  // Buffer.from takes its bytes from Node's pool; TextEncoder allocates an ArrayBuffer each time.
  if ('S' in value) return escapeBytes(Buffer.from(value.S, 'utf8'));
  if ('B' in value) return escapeBytes(Buffer.from(value.B, 'base64'));
  return encodeNumber(value.N);
}

/** Encodes a sequence of key values (partition key, then sort key) into one byte string. */
export function encodeKey(values: readonly KeyValue[]): Uint8Array {
  const parts = values.map(keyValueBytes);
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function isKeyValue(value: AttributeValue): value is KeyValue {
  return 'S' in value || 'N' in value || 'B' in value;
}

function escapeBytes(raw: Uint8Array): Uint8Array {
  let zeros = 0;
  for (const byte of raw) if (byte === ESCAPE) zeros++;
  const out = new Uint8Array(raw.length + zeros + 2);
  let offset = 0;
  for (const byte of raw) {
    out[offset++] = byte;
    if (byte === ESCAPE) out[offset++] = ESCAPED_ZERO;
  }
  out[offset++] = ESCAPE;
  out[offset] = STRING_TERMINATOR;
  return out;
}

function encodeNumber(text: string): Uint8Array {
  const { sign, digits, exponent } = decomposeNumber(text);
  if (sign === 0) return Uint8Array.of(NUMBER_ZERO);
  const out = new Uint8Array(4 + digits.length);
  const biased = exponent + EXPONENT_BIAS;
  const negative = sign < 0;
  out[0] = negative ? NUMBER_NEGATIVE : NUMBER_POSITIVE;
  out[1] = negative ? 0xff - (biased >> 8) : biased >> 8;
  out[2] = negative ? 0xff - (biased & 0xff) : biased & 0xff;
  for (let i = 0; i < digits.length; i++) {
    const digitByte = digits.charCodeAt(i) - 48 + 1;
    out[3 + i] = negative ? 0xff - digitByte : digitByte;
  }
  out[3 + digits.length] = negative ? 0xff : 0x00;
  return out;
}
