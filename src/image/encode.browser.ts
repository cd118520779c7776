/**
 * encode.ts for the browser build: JPEG, PNG and WebP from the page's canvas encoder (face
 * thumbnails). The page writes no files: writeImage says so.
 */
import { ExprsimError } from '../core/errors.js';
import { isImageFormat } from './format.js';
import { ACCEPTED_FORMATS, type EncodeOptions, type ImageFormat, type RawImage } from './types.js';
import { assertRawImage, requireInt } from './validate.js';

export const DEFAULT_QUALITY = 90;

export async function encodeImage(
  img: RawImage,
  format: ImageFormat,
  options: EncodeOptions = {},
): Promise<Uint8Array> {
  assertRawImage(img);
  if (!isImageFormat(format)) {
    throw new ExprsimError('E_BAD_OPTION', `cannot encode as ${String(format)}`, {
      input: `format=${String(format)}`,
      fix: `pass one of ${ACCEPTED_FORMATS.join(', ')}`,
    });
  }
  const quality = requireInt('quality', options.quality ?? DEFAULT_QUALITY, 1, 100);
  const n = img.width * img.height;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++)
      rgba[i * 4 + k] = img.data[i * img.channels + (img.channels === 1 ? 0 : k)];
    rgba[i * 4 + 3] = 255;
  }
  const canvas = new OffscreenCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  if (ctx === null) {
    throw new ExprsimError('E_IO', 'this browser gives no 2D canvas to encode with', {
      fix: 'use a browser with OffscreenCanvas',
    });
  }
  ctx.putImageData(new ImageData(rgba, img.width, img.height), 0, 0);
  const blob = await canvas.convertToBlob({ type: `image/${format}`, quality: quality / 100 });
  return new Uint8Array(await blob.arrayBuffer());
}

export async function writeImage(
  path: string,
  _img: RawImage,
  _options: EncodeOptions = {},
): Promise<void> {
  throw new ExprsimError('E_IO', 'the browser build cannot write files', {
    input: path,
    fix: 'encode with encodeImage and offer the bytes as a download',
  });
}
