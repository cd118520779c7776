import { ExprsimError } from '../core/errors.js';
import { convertChannels } from '../image/channels.js';
import { readImage } from '../image/read.js';
import type { Channels, RawImage } from '../image/types.js';
import { assertRawImage } from '../image/validate.js';
import type { DetectInput } from '../core/face.js';

/**
 * The pixels of a detector's input with `channels` channels: decoded from a path or encoded bytes
 * (readImage: grey, RGBA, CMYK and 16-bit sources all become 8-bit), or converted from a RawImage.
 */
export async function loadDetectInput(input: DetectInput, channels: Channels): Promise<RawImage> {
  if (typeof input === 'string' || input instanceof Uint8Array) {
    return readImage(input, { channels });
  }
  if (typeof input !== 'object' || input === null) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `detectFaces takes an image, a path or encoded bytes, got ${input === null ? 'null' : typeof input}`,
      { fix: 'pass the result of readImage, a file path, or a Buffer of JPEG/PNG/WebP bytes' },
    );
  }
  assertRawImage(input);
  return convertChannels(input, channels);
}

/** Throws E_BAD_OPTION unless `v` is a finite number in [min, max]. */
export function requireNumber(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `${name} must be a number from ${min} to ${max}, got ${String(v)}`,
      { input: `${name}=${String(v)}`, fix: `pass a number from ${min} to ${max} for ${name}` },
    );
  }
  return v;
}

/** Throws E_BAD_OPTION unless `v` is a boolean. */
export function requireBoolean(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') {
    throw new ExprsimError('E_BAD_OPTION', `${name} must be true or false, got ${String(v)}`, {
      input: `${name}=${String(v)}`,
      fix: `pass ${name}: true or ${name}: false`,
    });
  }
  return v;
}

/** Throws E_BAD_OPTION when a config object has keys the detector does not know. */
export function rejectUnknownKeys(what: string, config: object, known: readonly string[]): void {
  const unknown = Object.keys(config).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `unknown ${what} option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`,
      { input: unknown.join(', '), fix: `valid options are ${known.join(', ')}` },
    );
  }
}
