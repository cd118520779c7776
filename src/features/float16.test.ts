import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  float16BytesToFloat32,
  float16ToFloat32,
  float32ToFloat16,
  float32ToFloat16Bytes,
  fromFloat16Bits,
  toFloat16Bits,
} from './float16.js';

// Hand-computed binary16 patterns: sign | 5-bit exponent (bias 15) | 10-bit fraction.
const CASES: [number, number][] = [
  [0, 0x0000],
  [-0, 0x8000],
  [1, 0x3c00], // 2^0: exponent 15 → 0b01111 << 10
  [-2, 0xc000], // sign, exponent 16
  [0.5, 0x3800],
  [1.5, 0x3e00], // fraction .1 → 0x200
  [65504, 0x7bff], // largest half: (2 - 2^-10) · 2^15
  [2 ** -14, 0x0400], // smallest normal
  [2 ** -24, 0x0001], // smallest subnormal
  [2 ** -15, 0x0200], // a subnormal: 2^-15 = 512 · 2^-24
  [3 * 2 ** -24, 0x0003],
  [Infinity, 0x7c00],
  [-Infinity, 0xfc00],
];

test('toFloat16Bits: exact values map to their hand-computed patterns and back', () => {
  for (const [v, bits] of CASES) {
    assert.equal(toFloat16Bits(v), bits, `${v}`);
    assert.ok(Object.is(fromFloat16Bits(bits), v), `${bits.toString(16)} → ${v}`);
  }
});

test('toFloat16Bits: NaN stays NaN (quiet), both ways', () => {
  assert.equal(toFloat16Bits(NaN), 0x7e00);
  assert.ok(Number.isNaN(fromFloat16Bits(0x7e00)));
  assert.ok(Number.isNaN(fromFloat16Bits(0x7c01)));
});

test('toFloat16Bits: rounds to nearest, ties to even', () => {
  const ulp1 = 2 ** -10; // spacing of halves in [1, 2)
  assert.equal(toFloat16Bits(1 + ulp1 / 2), 0x3c00); // tie → even (0x3c00)
  assert.equal(toFloat16Bits(1 + (3 * ulp1) / 2), 0x3c02); // tie between 0x3c01 and 0x3c02 → even
  assert.equal(toFloat16Bits(1 + ulp1 * 0.51), 0x3c01); // above the tie → up
  assert.equal(toFloat16Bits(1 + ulp1 * 0.49), 0x3c00); // below → down
  assert.equal(toFloat16Bits(0.1), 0x2e66); // 0.1 ≈ 0.0999755859375
  assert.equal(toFloat16Bits(1 / 3), 0x3555);
  // Rounding carries into the next exponent: just below 2 rounds up to 2.
  assert.equal(toFloat16Bits(2 - 2 ** -12), 0x4000);
});

test('toFloat16Bits: overflow to Infinity at 65520, not before', () => {
  assert.equal(toFloat16Bits(65519), 0x7bff);
  assert.equal(toFloat16Bits(65520), 0x7c00); // tie between 65504 and 65536 (odd) → Inf
  assert.equal(toFloat16Bits(-1e6), 0xfc00);
});

test('toFloat16Bits: subnormal rounding and underflow to signed zero', () => {
  assert.equal(toFloat16Bits(2 ** -25), 0x0000); // half of the smallest subnormal: tie → even 0
  assert.equal(toFloat16Bits(2 ** -25 * 1.01), 0x0001);
  assert.equal(toFloat16Bits(3 * 2 ** -25), 0x0002); // 1.5 subnormal units: tie → even 2
  assert.equal(toFloat16Bits(-(2 ** -30)), 0x8000);
  assert.equal(toFloat16Bits(2 ** -14 - 2 ** -26), 0x0400); // rounds up into the smallest normal
});

test('array and little-endian byte conversions agree and round-trip within half precision', () => {
  const values = Float32Array.from([0, 1, -2, 0.3333, 1234.5, -0.000123, 65504, 7e-6]);
  const bits = float32ToFloat16(values);
  const back = float16ToFloat32(bits);
  const bytes = float32ToFloat16Bytes(values);
  assert.deepEqual(Array.from(bytes.subarray(2, 6)), [0x00, 0x3c, 0x00, 0xc0]); // 1, -2 LE
  const back2 = float16BytesToFloat32(bytes, values.length);
  assert.deepEqual(back2, back);
  for (let i = 0; i < values.length; i++) {
    const tol = Math.max(Math.abs(values[i]) * 2 ** -11, 2 ** -25);
    assert.ok(Math.abs(back[i] - values[i]) <= tol, `${values[i]} → ${back[i]}`);
  }
  // Every half survives half → float → half.
  for (let h = 0; h < 65536; h += 7) {
    const f = fromFloat16Bits(h);
    if (!Number.isNaN(f)) assert.equal(toFloat16Bits(f), h);
  }
});
