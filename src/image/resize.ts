import { ExprsimError } from '../core/errors.js';
import { outputSpace, rawPipeline } from './encode.js';
import { sharpMessage } from './io-errors.js';
import type { RawImage, ResizeOptions } from './types.js';
import { RESIZE_FITS, RESIZE_KERNELS } from './types.js';
import { assertRawImage, asUint8Array, requireInt, requireOneOf } from './validate.js';

/**
 * Resamples `img` to exactly `width` x `height` with sharp (kernel default 'lanczos3', fit default
 * 'fill' = stretch). Keeps the channel count and any other fields of `img` (format, source).
 */
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
  let out: Buffer;
  try {
    out = await rawPipeline(img)
      .resize(width, height, { kernel, fit, background: { r: 0, g: 0, b: 0, alpha: 1 } })
      .toColourspace(outputSpace(img.channels))
      .raw({ depth: 'uchar' })
      .toBuffer();
  } catch (e) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `cannot resize ${img.width}x${img.height} to ${width}x${height}: ${sharpMessage(e)}`,
      {
        input: `${width}x${height}`,
        fix: 'pass a smaller target size',
        cause: e,
      },
    );
  }
  if (out.length !== width * height * img.channels) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `resize produced ${out.length} bytes, expected ${width * height * img.channels}`,
      {
        input: `${width}x${height}`,
      },
    );
  }
  return { ...img, data: asUint8Array(out), width, height };
}
