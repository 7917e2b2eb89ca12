import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareNumbers, parseNumber } from '@shoal/model';
import { encodeKey, keyValueBytes, murmur3, partitionToken } from '@shoal/codec';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

const sign = (n: number) => Math.sign(n);

describe('key encoding', () => {
  it('is frozen: golden encodings', () => {
    expect(hex(keyValueBytes({ S: 'ab' }))).toBe('61620001');
    expect(hex(keyValueBytes({ S: 'a\u0000' }))).toBe('6100ff0001');
    expect(hex(keyValueBytes({ B: Buffer.from([0, 1]).toString('base64') }))).toBe('00ff010001');
    expect(hex(keyValueBytes({ N: '0' }))).toBe('02');
    expect(hex(keyValueBytes({ N: '1.5' }))).toBe('030400020600');
    expect(hex(keyValueBytes({ N: '-1.5' }))).toBe('01fbfffdf9ff');
    expect(hex(partitionToken(keyValueBytes({ S: 'ab' })))).toBe('4039dcc9b5d56eef');
  });

  it('orders strings by UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF5E (3 UTF-8 bytes, efbd9e) sorts before U+1F600 (4 bytes, f09f9880) by UTF-8, but after
    // it by UTF-16 code units (0xff5e > 0xd83d).
    const fullwidth = keyValueBytes({ S: '\uff5e' });
    const emoji = keyValueBytes({ S: '\u{1f600}' });
    expect(compareBytes(fullwidth, emoji)).toBeLessThan(0);
  });

  it('orders numbers numerically across signs, exponents and precision', () => {
    const ordered = ['-1E+125', '-10', '-9.99', '-1', '-0.5', '-1E-130', '0', '1E-130', '0.5', '1', '1.5', '1.55', '9.99', '10', '1E+125'];
    const encoded = ordered.map((n) => keyValueBytes({ N: n }));
    for (let i = 1; i < encoded.length; i++) {
      expect(compareBytes(encoded[i - 1]!, encoded[i]!), `${ordered[i - 1]} < ${ordered[i]}`).toBeLessThan(0);
    }
  });

  it('matches compareNumbers for random 38-digit numbers', () => {
    const digits = fc.stringMatching(/^[1-9][0-9]{0,37}$/);
    const number = fc
      .tuple(fc.boolean(), digits, fc.integer({ min: -120, max: 80 }))
      .map(([negative, d, shift]) => parseNumber(`${negative ? '-' : ''}${d}E${shift}`))
      .filter((p) => p.ok)
      .map((p) => (p as { value: string }).value);
    fc.assert(
      fc.property(number, number, (a, b) => {
        const byBytes = sign(compareBytes(keyValueBytes({ N: a }), keyValueBytes({ N: b })));
        expect(byBytes).toBe(compareNumbers(a, b));
      }),
      { seed: 20261125, numRuns: 2000 },
    );
  });

  it('compares composite keys component by component (self-delimiting)', () => {
    const ab = encodeKey([{ S: 'a' }, { S: 'b' }]);
    const a0 = encodeKey([{ S: 'a\u0000' }, { S: 'a' }]);
    const aa = encodeKey([{ S: 'aa' }, { S: 'a' }]);
    expect(compareBytes(ab, a0)).toBeLessThan(0);
    expect(compareBytes(a0, aa)).toBeLessThan(0);
    fc.assert(
      fc.property(fc.uint8Array(), fc.uint8Array(), fc.uint8Array(), fc.uint8Array(), (p1, s1, p2, s2) => {
        const b64 = (x: Uint8Array) => Buffer.from(x).toString('base64');
        const k1 = encodeKey([{ B: b64(p1) }, { B: b64(s1) }]);
        const k2 = encodeKey([{ B: b64(p2) }, { B: b64(s2) }]);
        const expected = compareBytes(p1, p2) || compareBytes(s1, s2);
        expect(sign(compareBytes(k1, k2))).toBe(sign(expected));
      }),
      { seed: 7, numRuns: 1000 },
    );
  });
});

describe('murmur3', () => {
  it('matches the reference MurmurHash3_x86_32 vectors', () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    expect(murmur3(bytes(''), 0)).toBe(0);
    expect(murmur3(bytes(''), 1)).toBe(0x514e28b7);
    expect(murmur3(bytes('hello'), 0)).toBe(0x248bfa47);
    expect(murmur3(bytes('The quick brown fox jumps over the lazy dog'), 0)).toBe(0x2e4ff723);
  });
});
