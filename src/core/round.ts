import type { FaceBox } from './face.js';

/** `value` rounded to `digits` decimals (halves up, as `Math.round`): short JSON, same meaning. */
export function roundTo(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** A box with its edges rounded to `digits` decimals of a pixel; default 2 (enough to draw it). */
export function roundedBox(b: FaceBox, digits = 2): FaceBox {
  return {
    x: roundTo(b.x, digits),
    y: roundTo(b.y, digits),
    width: roundTo(b.width, digits),
    height: roundTo(b.height, digits),
  };
}
