import { ExprsimError } from '../core/errors.js';
import type { CropBox, RawImage } from './types.js';
import { assertRawImage } from './validate.js';

// Resampling is sharp's in Node (./resize.ts) and its port to JavaScript in the browser build
// (./resize.browser.ts); the pixel copies below are the same everywhere.
export { resizeImage } from './resize.js';

function finite(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `crop box ${name} must be a finite number, got ${String(v)}`,
      {
        input: `${name}=${String(v)}`,
        fix: 'pass a box {left, top, width, height} in pixels',
      },
    );
  }
  return v;
}

/**
 * Copies the pixels inside `box` (clamped to the image) into a new image. Fractional edges are
 * widened to whole pixels (left/top rounded down, right/bottom rounded up), so a box from a
 * detector is never cut short. Throws E_BAD_OPTION if the box does not overlap the image.
 * Keeps the channel count and any other fields of `img` (format, source). Synchronous: a row copy
 * needs no codec.
 */
export function cropImage<T extends RawImage>(img: T, box: CropBox): T {
  assertRawImage(img);
  const b: Partial<CropBox> = typeof box === 'object' && box !== null ? box : {};
  const left = finite('left', b.left);
  const top = finite('top', b.top);
  const width = finite('width', b.width);
  const height = finite('height', b.height);
  const x0 = Math.max(0, Math.floor(left));
  const y0 = Math.max(0, Math.floor(top));
  const x1 = Math.min(img.width, Math.ceil(left + width));
  const y1 = Math.min(img.height, Math.ceil(top + height));
  if (x1 <= x0 || y1 <= y0) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `crop box {left: ${left}, top: ${top}, width: ${width}, height: ${height}} does not overlap the ${img.width}x${img.height} image`,
      {
        input: `box=${left},${top},${width},${height}`,
        fix: 'pass a box with positive size inside the image',
      },
    );
  }
  const w = x1 - x0;
  const h = y1 - y0;
  const c = img.channels;
  const rowBytes = w * c;
  const data = new Uint8Array(h * rowBytes);
  for (let y = 0; y < h; y++) {
    const from = ((y0 + y) * img.width + x0) * c;
    data.set(img.data.subarray(from, from + rowBytes), y * rowBytes);
  }
  return { ...img, data, width: w, height: h };
}

/**
 * Frames `img` in black: `by` whole pixels added on every side (a new image; channels and other
 * fields kept). Detectors find faces that fill tight crops once the crop has a border.
 */
export function padImage<T extends RawImage>(img: T, by: number): T {
  assertRawImage(img);
  if (!Number.isInteger(by) || by < 0) {
    throw new ExprsimError('E_BAD_OPTION', `padding must be a whole number ≥ 0, got ${by}`, {
      input: `pad=${String(by)}`,
      fix: 'pass the border in pixels, e.g. 12',
    });
  }
  if (by === 0) return img;
  const c = img.channels;
  const w = img.width + 2 * by;
  const h = img.height + 2 * by;
  const data = new Uint8Array(w * h * c);
  const rowBytes = img.width * c;
  for (let y = 0; y < img.height; y++) {
    const to = ((y + by) * w + by) * c;
    data.set(img.data.subarray(y * rowBytes, (y + 1) * rowBytes), to);
  }
  return { ...img, data, width: w, height: h };
}

/**
 * The image mirrored left to right (a new image). A face and its mirror image show the same
 * expression: training uses both, and a model may average the two embeddings (flip averaging).
 */
export function mirrorImage<T extends RawImage>(img: T): T {
  assertRawImage(img);
  const { width: w, height: h, channels: c } = img;
  const data = new Uint8Array(img.data.length);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const from = (row + w - 1 - x) * c;
      const to = (row + x) * c;
      for (let k = 0; k < c; k++) data[to + k] = img.data[from + k];
    }
  }
  return { ...img, data };
}
