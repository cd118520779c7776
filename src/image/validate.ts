import { ExprsimError } from '../core/errors.js';
import type { Channels, RawImage } from './types.js';

/** Throws E_BAD_OPTION unless `value` is an integer in [min, max]. */
export function requireInt(
  name: string,
  value: unknown,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new ExprsimError(
      'E_BAD_OPTION',
      `${name} must be an integer ${range}, got ${String(value)}`,
      {
        input: `${name}=${String(value)}`,
        fix: `pass an integer ${range} for ${name}`,
      },
    );
  }
  return value;
}

/** A positive limit: an integer >= 1, or Infinity for "no limit". */
export function requireLimit(name: string, value: unknown): number {
  if (value === Infinity) return value;
  return requireInt(name, value, 1);
}

export function requireChannels(value: unknown, name = 'channels'): Channels {
  if (value !== 1 && value !== 3) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `${name} must be 1 (grey) or 3 (RGB), got ${String(value)}`,
      {
        input: `${name}=${String(value)}`,
        fix: 'use channels: 1 for grey or channels: 3 for RGB',
      },
    );
  }
  return value;
}

export function requireOneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${String(value)}`,
      { input: `${name}=${String(value)}`, fix: `pass one of ${allowed.join(', ')}` },
    );
  }
  return value as T;
}

/** Throws E_BAD_OPTION unless `img` is a well-formed RawImage (sizes agree with data length). */
export function assertRawImage(img: RawImage, what = 'image'): void {
  if (typeof img !== 'object' || img === null) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `${what} must be an object {data, width, height, channels}`,
      {
        fix: 'pass an image returned by readImage, resizeImage, cropImage or tensorToImage',
      },
    );
  }
  requireInt(`${what}.width`, img.width);
  requireInt(`${what}.height`, img.height);
  requireChannels(img.channels, `${what}.channels`);
  if (!(img.data instanceof Uint8Array)) {
    throw new ExprsimError('E_BAD_OPTION', `${what}.data must be a Uint8Array of 8-bit samples`, {
      fix: 'wrap the pixels in a Uint8Array (row-major, channels interleaved)',
    });
  }
  const expected = img.width * img.height * img.channels;
  if (img.data.length !== expected) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `${what}.data has ${img.data.length} bytes but ${img.width}x${img.height}x${img.channels} needs ${expected}`,
      { fix: 'make width, height and channels match the pixel data' },
    );
  }
}

/** A Buffer view of the same memory (no copy), as sharp wants Buffers for encoded and raw input. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A plain Uint8Array view of a Buffer's memory (no copy). */
export function asUint8Array(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
