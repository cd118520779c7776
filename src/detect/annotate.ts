import type { DetectedFace } from '../core/face.js';
import type { RawImage } from '../core/types.js';

const GREEN: readonly [number, number, number] = [0, 255, 0];
const RED: readonly [number, number, number] = [255, 0, 0];

/**
 * A copy of the pixels with each face's box drawn (green) and its landmarks as red dots. The
 * line width grows with the image (2 px, or 1/300 of the shorter side) so that boxes stay
 * visible on large photos; a grey image gets the colours' grey levels.
 */
export function annotateFaces(img: RawImage, faces: readonly DetectedFace[]): RawImage {
  const rgb = img.channels === 3;
  const data = Uint8Array.from(img.data);
  const thick = Math.max(2, Math.round(Math.min(img.width, img.height) / 300));
  const put = (x: number, y: number, c: readonly [number, number, number]) => {
    if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
    const i = (y * img.width + x) * img.channels;
    if (rgb) data.set(c, i);
    else data[i] = Math.round(0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]);
  };
  for (const f of faces) {
    const x1 = Math.round(f.box.x);
    const y1 = Math.round(f.box.y);
    const x2 = Math.round(f.box.x + f.box.width) - 1;
    const y2 = Math.round(f.box.y + f.box.height) - 1;
    for (let t = 0; t < thick; t++) {
      for (let x = x1; x <= x2; x++) {
        put(x, y1 + t, GREEN);
        put(x, y2 - t, GREEN);
      }
      for (let y = y1; y <= y2; y++) {
        put(x1 + t, y, GREEN);
        put(x2 - t, y, GREEN);
      }
    }
    for (const p of Object.values(f.landmarks ?? {})) {
      for (let dy = -thick; dy <= thick; dy++) {
        for (let dx = -thick; dx <= thick; dx++)
          put(Math.round(p.x) + dx, Math.round(p.y) + dy, RED);
      }
    }
  }
  return { ...img, data };
}
