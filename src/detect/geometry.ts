/**
 * Box arithmetic shared by the detectors and the benchmark: intersection over union, greedy
 * non-maximum suppression, clipping, and corner/size conversions. Pure numbers, no tensors.
 */
import type { FaceBox } from '../core/face.js';

/** A box as corners: [x1, y1) to [x2, y2). */
export interface Corners {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export function toCorners(b: FaceBox): Corners {
  return { x1: b.x, y1: b.y, x2: b.x + b.width, y2: b.y + b.height };
}

export function fromCorners(c: Corners): FaceBox {
  return { x: c.x1, y: c.y1, width: c.x2 - c.x1, height: c.y2 - c.y1 };
}

function area(c: Corners): number {
  return Math.max(0, c.x2 - c.x1) * Math.max(0, c.y2 - c.y1);
}

function intersection(a: Corners, b: Corners): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Overlap of two boxes. 'union' (default): intersection / union, the usual IoU. 'min':
 * intersection / the smaller area (MTCNN's last-stage suppression, which removes a box nested in
 * a bigger one). 0 when either box is empty.
 */
export function overlap(a: Corners, b: Corners, mode: 'union' | 'min' = 'union'): number {
  const inter = intersection(a, b);
  if (inter === 0) return 0;
  const denom = mode === 'union' ? area(a) + area(b) - inter : Math.min(area(a), area(b));
  return denom > 0 ? inter / denom : 0;
}

/** Intersection over union of two {x, y, width, height} boxes. */
export function iou(a: FaceBox, b: FaceBox): number {
  return overlap(toCorners(a), toCorners(b));
}

/**
 * Greedy non-maximum suppression: visits boxes from the highest score down and keeps a box unless
 * it overlaps an already kept one by more than `threshold`. Returns the kept indices, best first.
 * Ties in score keep the lower index first (stable), so the result is deterministic.
 */
export function nms(
  boxes: readonly Corners[],
  scores: ArrayLike<number>,
  threshold: number,
  mode: 'union' | 'min' = 'union',
): number[] {
  const order = Array.from(boxes.keys()).sort((i, j) => scores[j] - scores[i] || i - j);
  const kept: number[] = [];
  const suppressed = new Uint8Array(boxes.length);
  for (let a = 0; a < order.length; a++) {
    const i = order[a];
    if (suppressed[i]) continue;
    kept.push(i);
    const bi = boxes[i];
    for (let b = a + 1; b < order.length; b++) {
      const j = order[b];
      if (!suppressed[j] && overlap(bi, boxes[j], mode) > threshold) suppressed[j] = 1;
    }
  }
  return kept;
}

/** The box clipped to a width x height image; null when nothing of it is inside. */
export function clipBox(b: FaceBox, width: number, height: number): FaceBox | null {
  const x1 = Math.max(0, b.x);
  const y1 = Math.max(0, b.y);
  const x2 = Math.min(width, b.x + b.width);
  const y2 = Math.min(height, b.y + b.height);
  if (!(x2 > x1 && y2 > y1)) return null;
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}

/** The smallest square with the same centre that contains the box (MTCNN's "rerec"). */
export function squareCorners(c: Corners): Corners {
  const side = Math.max(c.x2 - c.x1, c.y2 - c.y1);
  const cx = (c.x1 + c.x2) / 2;
  const cy = (c.y1 + c.y2) / 2;
  return { x1: cx - side / 2, y1: cy - side / 2, x2: cx + side / 2, y2: cy + side / 2 };
}

/** Rounds a box's edges to 0.01 px, so JSON output stays short without losing meaning. */
export function roundBox(b: FaceBox): FaceBox {
  const r = (v: number) => Math.round(v * 100) / 100;
  return { x: r(b.x), y: r(b.y), width: r(b.width), height: r(b.height) };
}
