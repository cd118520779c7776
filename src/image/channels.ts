import type { Channels, RawImage } from './types.js';
import { assertRawImage, requireChannels } from './validate.js';

/**
 * BT.601 luma of interleaved RGB: round(0.299 R + 0.587 G + 0.114 B), the weighting used by
 * OpenCV, Pillow and tf.image.rgbToGrayscale. (sharp's own greyscale is linear-light luminance
 * re-encoded with the sRGB curve, which makes pure red 127 instead of 76.)
 */
export function rgbToGrey(rgb: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels);
  for (let i = 0, j = 0; i < pixels; i++, j += 3) {
    out[i] = Math.round(0.299 * rgb[j] + 0.587 * rgb[j + 1] + 0.114 * rgb[j + 2]);
  }
  return out;
}

/** Grey to RGB by repeating each sample three times. */
export function greyToRgb(grey: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let i = 0, j = 0; i < pixels; i++, j += 3) {
    const v = grey[i];
    out[j] = v;
    out[j + 1] = v;
    out[j + 2] = v;
  }
  return out;
}

/**
 * The image with `channels` channels: RGB -> grey by BT.601 luma, grey -> RGB by repetition.
 * Returns the same object when it already has that many. Other fields (format, source) are kept.
 */
export function convertChannels<T extends RawImage>(img: T, channels: Channels): T {
  assertRawImage(img);
  requireChannels(channels);
  if (img.channels === channels) return img;
  const pixels = img.width * img.height;
  const data = channels === 1 ? rgbToGrey(img.data, pixels) : greyToRgb(img.data, pixels);
  return { ...img, data, channels };
}
