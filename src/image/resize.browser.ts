/**
 * resize.ts for the browser build: the same checks, resampled by ./resample.ts (sharp's
 * resampling in JavaScript) instead of sharp.
 */
import { resamplePixels } from './resample.js';
import type { RawImage, ResizeOptions } from './types.js';
import { RESIZE_FITS, RESIZE_KERNELS } from './types.js';
import { assertRawImage, requireInt, requireOneOf } from './validate.js';

export async function resizeImage<T extends RawImage>(
  img: T,
  width: number,
  height: number,
  options: ResizeOptions = {},
): Promise<T> {
  assertRawImage(img);
  requireInt('width', width);
  requireInt('height', height);
  const kernel = requireOneOf('kernel', options.kernel ?? 'lanczos3', RESIZE_KERNELS);
  const fit = requireOneOf('fit', options.fit ?? 'fill', RESIZE_FITS);
  return { ...img, data: resamplePixels(img, width, height, kernel, fit), width, height };
}
