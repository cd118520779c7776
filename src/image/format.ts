import { ExprsimError } from '../core/errors.js';
import { ACCEPTED_FORMATS, type ImageFormat } from './types.js';

/** "JPEG, PNG and WebP", for messages. */
export const ACCEPTED_FORMATS_TEXT = 'JPEG, PNG and WebP';
/** "JPEG, PNG or WebP", for messages. */
export const ACCEPTED_FORMATS_OR = 'JPEG, PNG or WebP';

const FORMAT_NAMES: Record<ImageFormat, string> = { jpeg: 'JPEG', png: 'PNG', webp: 'WebP' };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

function ascii(text: string): number[] {
  return Array.from(text, (c) => c.charCodeAt(0));
}

/**
 * The accepted format the bytes are in, judged by their magic bytes alone, or undefined.
 * JPEG: FF D8 FF. PNG: the 8-byte PNG signature. WebP: "RIFF" <size> "WEBP".
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  return undefined;
}

/**
 * Names a format we recognise but refuse (so the error can say "this is a GIF" rather than
 * "this is not an image"), or undefined.
 */
export function sniffOtherFormat(bytes: Uint8Array): string | undefined {
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'GIF';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]))
    return 'TIFF';
  if (startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b]))
    return 'BigTIFF';
  if (startsWith(bytes, ascii('BM'))) return 'BMP';
  if (startsWith(bytes, ascii('%PDF'))) return 'PDF';
  if (startsWith(bytes, ascii('8BPS'))) return 'Photoshop (PSD)';
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) return 'ICO';
  if (startsWith(bytes, [0xff, 0x0a])) return 'JPEG XL';
  if (startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) return 'JPEG XL';
  if (startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20])) return 'JPEG 2000';
  if (startsWith(bytes, ascii('ftyp'), 4)) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (brand === 'avif' || brand === 'avis') return 'AVIF';
    if (['heic', 'heix', 'hevc', 'hevx', 'mif1', 'msf1'].includes(brand)) return 'HEIF/HEIC';
  }
  // SVG is text: look for an <svg element near the start, after any XML prolog or comments.
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 4096))
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (head.startsWith('<') && /<svg[\s>]/i.test(head)) return 'SVG';
  return undefined;
}

/** The first bytes as hex, for "unrecognised signature 68 65 6c 6c" messages. */
export function hexHead(bytes: Uint8Array, count = 8): string {
  return Array.from(bytes.subarray(0, count), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Throws E_NOT_AN_IMAGE unless the bytes start like an accepted format; returns that format. */
export function requireAcceptedFormat(bytes: Uint8Array, input: string): ImageFormat {
  const format = sniffImageFormat(bytes);
  if (format !== undefined) return format;
  const other = sniffOtherFormat(bytes);
  if (other !== undefined) {
    throw new ExprsimError(
      'E_NOT_AN_IMAGE',
      `${other} images are not accepted; accepted formats are ${ACCEPTED_FORMATS_TEXT}`,
      { input, fix: 'convert it to PNG or JPEG first' },
    );
  }
  throw new ExprsimError(
    'E_NOT_AN_IMAGE',
    `not an image: its first bytes (${hexHead(bytes)}) match none of the accepted formats, ${ACCEPTED_FORMATS_TEXT}`,
    { input, fix: `pass a ${ACCEPTED_FORMATS_OR} file` },
  );
}

/** Human name of a format: 'jpeg' -> 'JPEG'. */
export function formatName(format: ImageFormat): string {
  return FORMAT_NAMES[format];
}

const EXTENSIONS = new Map<string, ImageFormat>([
  ['.jpg', 'jpeg'],
  ['.jpeg', 'jpeg'],
  ['.jpe', 'jpeg'],
  ['.jfif', 'jpeg'],
  ['.png', 'png'],
  ['.webp', 'webp'],
]);

/** The format a path's extension names (case-insensitive), or undefined. */
export function formatFromExtension(path: string): ImageFormat | undefined {
  // The extension as node:path's extname gives it (none for dot files), without node:path so
  // that the browser build can share this module.
  const name = path.replace(/^.*[\\/]/, '');
  const dot = name.lastIndexOf('.');
  return EXTENSIONS.get(dot > 0 ? name.slice(dot).toLowerCase() : '');
}

/** Type guard for a format string from user input. */
export function isImageFormat(value: unknown): value is ImageFormat {
  return typeof value === 'string' && (ACCEPTED_FORMATS as readonly string[]).includes(value);
}
