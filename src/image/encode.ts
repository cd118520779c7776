import sharp, { type Sharp } from 'sharp';
import { ExprsimError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { ACCEPTED_FORMATS_TEXT, formatFromExtension, isImageFormat } from './format.js';
import { fsError, sharpMessage } from './io-errors.js';
import { ACCEPTED_FORMATS, type EncodeOptions, type ImageFormat, type RawImage } from './types.js';
import { asBuffer, assertRawImage, requireInt } from './validate.js';

/** JPEG and WebP quality used when none is given. */
export const DEFAULT_QUALITY = 90;

/** A sharp pipeline over raw pixels, in the colour space that keeps 1 channel as 1 channel. */
export function rawPipeline(img: RawImage): Sharp {
  return sharp(asBuffer(img.data), {
    raw: { width: img.width, height: img.height, channels: img.channels },
  });
}

/** The colour space to convert to before output, so grey stays grey (sharp 0.35 otherwise emits sRGB). */
export function outputSpace(channels: 1 | 3): 'b-w' | 'srgb' {
  return channels === 1 ? 'b-w' : 'srgb';
}

/**
 * Encodes 8-bit pixels as JPEG, PNG or WebP. Grey images are written as grey JPEG/PNG (WebP has
 * no grey mode, so they become RGB WebP with equal channels). No metadata is written.
 * Options: `quality` 1..100 for JPEG and WebP (default 90; WebP is lossy); PNG is lossless.
 */
export async function encodeImage(
  img: RawImage,
  format: ImageFormat,
  options: EncodeOptions = {},
): Promise<Buffer> {
  assertRawImage(img);
  if (!isImageFormat(format)) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `cannot encode as ${String(format)}; formats are ${ACCEPTED_FORMATS.join(', ')}`,
      {
        input: `format=${String(format)}`,
        fix: `pass one of ${ACCEPTED_FORMATS.join(', ')}`,
      },
    );
  }
  const quality = requireInt('quality', options.quality ?? DEFAULT_QUALITY, 1, 100);
  let pipeline = rawPipeline(img).toColourspace(outputSpace(img.channels));
  if (format === 'jpeg') pipeline = pipeline.jpeg({ quality });
  else if (format === 'webp') pipeline = pipeline.webp({ quality });
  else pipeline = pipeline.png();
  try {
    return await pipeline.toBuffer();
  } catch (e) {
    throw new ExprsimError('E_IO', `cannot encode the image as ${format}: ${sharpMessage(e)}`, {
      fix: 'check the image dimensions (WebP is limited to 16383x16383, JPEG to 65535x65535)',
      cause: e,
    });
  }
}

/**
 * Encodes `img` in the format named by the path's extension (.jpg/.jpeg/.jpe/.jfif, .png, .webp,
 * any case) and writes it atomically: to a temporary file in the same directory, flushed to disk,
 * then renamed over `path`. A reader never sees a half-written file; on failure the temporary
 * file is removed and any existing file at `path` is untouched. The directory must exist.
 */
export async function writeImage(
  path: string,
  img: RawImage,
  options: EncodeOptions = {},
): Promise<void> {
  const format = formatFromExtension(path);
  if (format === undefined) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `cannot tell the image format from the file name; use .jpg, .jpeg, .png or .webp`,
      {
        input: path,
        fix: `name the file with the extension of one of ${ACCEPTED_FORMATS_TEXT}`,
      },
    );
  }
  const bytes = await encodeImage(img, format, options);
  try {
    await writeFileAtomic(path, bytes, { mkdirs: false });
  } catch (e) {
    throw fsError(e, path, 'write');
  }
}
