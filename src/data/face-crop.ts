import { ExprsimError } from '../core/errors.js';
import type { CropBox } from '../image/types.js';
import { DEFAULT_CROP_MARGIN } from './defaults.js';
import type { FecBox } from './fec-row.js';

/** Rounds values within 1e-6 of a whole number to it, so 0.7 * 100 (70.00000000000001) is 70. */
function snap(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - r) < 1e-6 ? r : v;
}

/**
 * The pixel rectangle to crop for an FEC face box: the box (fractions of the image size) grown by
 * `margin` x its width on the left and right and `margin` x its height on top and bottom, then
 * clamped to the image. Edges are widened outwards to whole pixels (floor left/top, ceil
 * right/bottom). Why a margin: FEC's boxes are tight around the face, and alignment and
 * augmentation (small shifts, rotations) need some context around it; 0.2 keeps the face
 * dominant. Crops keep the box's aspect ratio (not squared): models resize anyway.
 */
export function faceCropRect(
  box: FecBox,
  width: number,
  height: number,
  margin = DEFAULT_CROP_MARGIN,
): CropBox {
  if (!(margin >= 0) || !Number.isFinite(margin)) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `crop margin must be a number >= 0, got ${String(margin)}`,
      {
        input: `margin=${String(margin)}`,
        fix: 'pass e.g. 0.2 for 20% of the box size on every side',
      },
    );
  }
  const bw = (box.right - box.left) * width;
  const bh = (box.bottom - box.top) * height;
  const x0 = Math.max(0, Math.floor(snap(box.left * width - margin * bw)));
  const x1 = Math.min(width, Math.ceil(snap(box.right * width + margin * bw)));
  const y0 = Math.max(0, Math.floor(snap(box.top * height - margin * bh)));
  const y1 = Math.min(height, Math.ceil(snap(box.bottom * height + margin * bh)));
  // A box thinner than a pixel still yields one pixel.
  return { left: x0, top: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) };
}
