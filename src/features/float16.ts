/**
 * IEEE 754 binary16 ("half") conversion, used to store cached feature maps at half the size of
 * float32. Rounding is round-to-nearest, ties-to-even (as hardware converts); values beyond the
 * largest half (65504) round to ±Infinity once they reach 65520, NaN stays NaN (quiet, 0x7E00),
 * the sign of zero is kept and tiny values become half subnormals (down to 2^-24) or ±0.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bit pattern nearest to `value` (ties to even). */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | (mant !== 0 ? 0x7e00 : 0x7c00); // NaN or ±Inf
  // Unbiased exponent e = exp - 127; half exponent field = e + 15.
  const e = exp - 127;
  if (e > 15) return sign | 0x7c00; // ≥ 65536: Inf
  if (e >= -14) {
    // Normal half: keep 10 mantissa bits, round the 13 dropped ones to nearest even.
    let h = ((e + 15) << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++; // may carry into Inf: correct
    return sign | h;
  }
  if (e < -25) return sign; // below half the smallest subnormal: ±0
  // Subnormal half: value = m · 2^-24 with m = (1.mant) · 2^(e + 24).
  const full = mant | 0x800000; // 24-bit significand, value = full · 2^(e - 23)
  const shift = -e - 1; // 14..24 bits to drop so the unit is 2^-24
  let h = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rest > half || (rest === half && (h & 1) === 1)) h++; // may carry into the smallest normal
  return sign | h;
}

/** The number a binary16 bit pattern stands for. */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

// Decoding table: 65536 floats (256 KiB), built on first use; decoding is then one lookup.
let table: Float32Array | undefined;
function decodeTable(): Float32Array {
  if (table === undefined) {
    table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) table[i] = fromFloat16Bits(i);
  }
  return table;
}

/** float32 values → binary16 bit patterns. */
export function float32ToFloat16(values: ArrayLike<number>, out?: Uint16Array): Uint16Array {
  const res = out ?? new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) res[i] = toFloat16Bits(values[i]);
  return res;
}

/** binary16 bit patterns → float32 values (exact: every half is a float32). */
export function float16ToFloat32(bits: ArrayLike<number>, out?: Float32Array): Float32Array {
  const t = decodeTable();
  const res = out ?? new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) res[i] = t[bits[i]];
  return res;
}

/** binary16 → float32 as little-endian bytes (the cache's on-disk order) on any host. */
export function float16BytesToFloat32(
  bytes: Uint8Array,
  count: number,
  out?: Float32Array,
  offset = 0,
): Float32Array {
  const t = decodeTable();
  const res = out ?? new Float32Array(count);
  for (let i = 0, b = 0; i < count; i++, b += 2) {
    res[offset + i] = t[bytes[b] | (bytes[b + 1] << 8)];
  }
  return res;
}

/** float32 → binary16 little-endian bytes. */
export function float32ToFloat16Bytes(values: ArrayLike<number>): Uint8Array {
  const res = new Uint8Array(values.length * 2);
  for (let i = 0, b = 0; i < values.length; i++, b += 2) {
    const h = toFloat16Bits(values[i]);
    res[b] = h & 0xff;
    res[b + 1] = h >>> 8;
  }
  return res;
}
