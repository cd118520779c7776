/**
 * read.ts for the browser build: the page's own decoder (createImageBitmap; embedded colour
 * profiles converted to sRGB, as sharp does; EXIF orientation applied) turns a URL (fetched)
 * or encoded bytes into 8-bit RGB or grey pixels. On the repository's JPEGs Chromium's pixels
 * are sharp's (test/browser-build.test.ts); other decoders may differ by a level here and there.
 */
import { ExprsimError } from '../core/errors.js';
import { rgbToGrey } from './channels.js';
import { sniffImageFormat } from './format.js';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_PIXELS,
  type DecodedImage,
  type ReadImageOptions,
} from './types.js';
import { requireChannels, requireLimit } from './validate.js';

export const BUFFER_SOURCE = '<buffer>';

/** RGBA pixels (canvas order) as RGB or grey. */
export function fromRgba(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
): Uint8Array {
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    rgb[i * 3] = rgba[j];
    rgb[i * 3 + 1] = rgba[j + 1];
    rgb[i * 3 + 2] = rgba[j + 2];
  }
  return channels === 1 ? rgbToGrey(rgb, n) : rgb;
}

/** The RGBA pixels of a bitmap, drawn unscaled on an offscreen canvas. */
export function bitmapPixels(
  bitmap: CanvasImageSource,
  width: number,
  height: number,
): Uint8ClampedArray {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (ctx === null) {
    throw new ExprsimError('E_IMAGE_DECODE', 'this browser gives no 2D canvas to read pixels', {
      fix: 'use a browser with OffscreenCanvas (Chrome, Edge, Firefox, Safari 16.4+)',
    });
  }
  ctx.drawImage(bitmap, 0, 0);
  return ctx.getImageData(0, 0, width, height, { colorSpace: 'srgb' }).data;
}

export async function readImage(
  source: string | Uint8Array,
  options: ReadImageOptions = {},
): Promise<DecodedImage> {
  const channels = requireChannels(options.channels ?? 3);
  const maxPixels = requireLimit('maxPixels', options.maxPixels ?? DEFAULT_MAX_PIXELS);
  const maxBytes = requireLimit('maxBytes', options.maxBytes ?? DEFAULT_MAX_BYTES);
  let bytes: Uint8Array;
  const input = typeof source === 'string' ? source : BUFFER_SOURCE;
  if (typeof source === 'string') {
    const res = await fetch(source).catch((e: unknown) => {
      throw new ExprsimError('E_FILE_NOT_FOUND', `cannot fetch the image: ${String(e)}`, {
        input,
        fix: 'pass a URL the page can fetch (same origin), or the image bytes',
      });
    });
    if (!res.ok) {
      throw new ExprsimError('E_FILE_NOT_FOUND', `fetching the image gave HTTP ${res.status}`, {
        input,
        fix: 'check the URL',
      });
    }
    bytes = new Uint8Array(await res.arrayBuffer());
  } else {
    bytes = source;
  }
  if (bytes.length === 0) {
    throw new ExprsimError('E_NOT_AN_IMAGE', 'the image is empty (0 bytes)', {
      input,
      fix: 'pass a non-empty JPEG, PNG or WebP image',
    });
  }
  if (bytes.length > maxBytes) {
    throw new ExprsimError('E_IMAGE_TOO_LARGE', `${bytes.length} bytes is over the limit`, {
      input,
      fix: `pass { maxBytes: ${bytes.length} } or more to readImage to accept it`,
    });
  }
  const format = sniffImageFormat(bytes);
  if (format === undefined) {
    throw new ExprsimError('E_NOT_AN_IMAGE', 'not a JPEG, PNG or WebP image', {
      input,
      fix: 'pass a JPEG, PNG or WebP image',
    });
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as BlobPart]), {
      colorSpaceConversion: 'default',
      premultiplyAlpha: 'none',
      imageOrientation: options.autoOrient === false ? 'none' : 'from-image',
    });
  } catch (e) {
    throw new ExprsimError('E_IMAGE_DECODE', `the browser cannot decode it: ${String(e)}`, {
      input,
      fix: 're-export it as a plain JPEG, PNG or WebP file',
    });
  }
  const { width, height } = bitmap;
  if (width * height > maxPixels) {
    bitmap.close();
    throw new ExprsimError('E_IMAGE_TOO_LARGE', `${width}x${height} is over the pixel limit`, {
      input,
      fix: `pass { maxPixels: ${width * height} } or more to accept it`,
    });
  }
  const rgba = bitmapPixels(bitmap, width, height);
  bitmap.close();
  return {
    data: fromRgba(rgba, width, height, channels),
    width,
    height,
    channels,
    format,
    source: input,
  };
}
