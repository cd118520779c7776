import type { RawImage } from '../image/types.js';
import { type Similarity, applySimilarity, invertSimilarity } from './similarity.js';

/**
 * Resamples `img` into a width x height image through `t` (source -> output coordinates, pixel
 * centres at +0.5), bilinear; output pixels that map outside the source are black. Pure JS: the
 * outputs are face-sized, so a loop is fast and exact on every backend.
 */
export function warpSimilarity(
  img: RawImage,
  t: Similarity,
  width: number,
  height: number,
): RawImage {
  const inv = invertSimilarity(t);
  const c = img.channels;
  const out = new Uint8Array(width * height * c);
  const { width: W, height: H, data } = img;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = applySimilarity(inv, { x: x + 0.5, y: y + 0.5 });
      const fx = p.x - 0.5;
      const fy = p.y - 0.5;
      if (fx < -0.5 || fy < -0.5 || fx > W - 0.5 || fy > H - 0.5) continue;
      const x0 = Math.max(0, Math.min(W - 1, Math.floor(fx)));
      const y0 = Math.max(0, Math.min(H - 1, Math.floor(fy)));
      const x1 = Math.min(W - 1, x0 + 1);
      const y1 = Math.min(H - 1, y0 + 1);
      const wx = Math.max(0, Math.min(1, fx - x0));
      const wy = Math.max(0, Math.min(1, fy - y0));
      const o = (y * width + x) * c;
      for (let k = 0; k < c; k++) {
        const v00 = data[(y0 * W + x0) * c + k];
        const v01 = data[(y0 * W + x1) * c + k];
        const v10 = data[(y1 * W + x0) * c + k];
        const v11 = data[(y1 * W + x1) * c + k];
        const top = v00 + (v01 - v00) * wx;
        const bottom = v10 + (v11 - v10) * wx;
        out[o + k] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
  return { data: out, width, height, channels: c };
}
