/**
 * One Viola-Jones scan split over two threads. OpenCV's detectMultiScale slides the cascade over
 * an image pyramid (one level per window size, 24 px × scaleFactor^k) and then groups the raw
 * hits (`groupRectangles`, eps 0.2, at least minNeighbors hits per group). The levels are
 * independent, so the window sizes are cut in two ranges of about equal cost, each range is
 * scanned without grouping (one in the calling thread, one in a worker), and the union of raw
 * hits is grouped once: the faces are exactly those of one detectMultiScale call.
 */
import type { CvClassifier, CvMat, OpenCv } from './opencv.js';

/** OpenCV's grouping tolerance inside detectMultiScale (GROUP_EPS). */
export const GROUP_EPS = 0.2;

/** What one scan needs: a grey (equalised) image and the window-size range to scan. */
export interface ScanRequest {
  data: Uint8Array;
  width: number;
  height: number;
  scaleFactor: number;
  /** Smallest window side scanned, px. */
  minSize: number;
  /** Largest window side scanned, px; 0 = up to the image size. */
  maxSize: number;
}

/**
 * The window sides, in scan order, that OpenCV's pyramid visits on a `width`×`height` image for
 * a cascade with a `window`-px base, and the cost of each level: the windows it places
 * (positions at a 2-px step below scale 2, 1 px from there, as OpenCV does).
 */
export function pyramidLevels(
  width: number,
  height: number,
  window: number,
  scaleFactor: number,
  minSize: number,
): { size: number; cost: number }[] {
  const out: { size: number; cost: number }[] = [];
  for (let factor = 1; ; factor *= scaleFactor) {
    const size = Math.round(window * factor);
    const sw = Math.round(width / factor);
    const sh = Math.round(height / factor);
    if (sw <= window || sh <= window) break;
    if (size > width || size > height) break;
    if (size < minSize) continue;
    const step = factor >= 2 ? 1 : 2;
    out.push({
      size,
      cost: Math.ceil((sw - window + 1) / step) * Math.ceil((sh - window + 1) / step),
    });
  }
  return out;
}

/**
 * The largest window side of the first range, so that the two ranges [minSize, split] and
 * [split + 1, ∞) cost about the same; undefined when there are fewer than two levels.
 */
export function splitWindowSize(
  levels: readonly { size: number; cost: number }[],
): number | undefined {
  if (levels.length < 2) return undefined;
  const total = levels.reduce((s, l) => s + l.cost, 0);
  let best = 0;
  let bestGap = Infinity;
  let acc = 0;
  for (let i = 0; i < levels.length - 1; i++) {
    acc += levels[i].cost;
    const gap = Math.abs(2 * acc - total);
    if (gap < bestGap) {
      bestGap = gap;
      best = i;
    }
  }
  return levels[best].size;
}

/** Scans `req` with `classifier` without grouping: raw hits as [x, y, w, h] × n. */
export function scanRaw(cv: OpenCv, classifier: CvClassifier, req: ScanRequest): Int32Array {
  const grey = cv.matFromArray(req.height, req.width, cv.CV_8UC1, req.data);
  try {
    return scanMat(cv, classifier, grey, req);
  } finally {
    grey.delete();
  }
}

/** {@link scanRaw} on a grey Mat already in opencv.js (the calling thread's own copy). */
export function scanMat(
  cv: OpenCv,
  classifier: CvClassifier,
  grey: CvMat,
  range: Pick<ScanRequest, 'scaleFactor' | 'minSize' | 'maxSize'>,
): Int32Array {
  const rects = new cv.RectVector();
  const counts = new cv.IntVector();
  try {
    classifier.detectMultiScale2(
      grey,
      rects,
      counts,
      range.scaleFactor,
      0,
      0,
      new cv.Size(range.minSize, range.minSize),
      new cv.Size(range.maxSize, range.maxSize),
    );
    const out = new Int32Array(4 * rects.size());
    for (let i = 0; i < rects.size(); i++) {
      const r = rects.get(i);
      out.set([r.x, r.y, r.width, r.height], 4 * i);
    }
    return out;
  } finally {
    rects.delete();
    counts.delete();
  }
}

/** Groups raw hits as detectMultiScale does: rectangles with their hit counts. */
export function groupHits(
  cv: OpenCv,
  hits: readonly Int32Array[],
  minNeighbors: number,
): { x: number; y: number; width: number; height: number; n: number }[] {
  const rects = new cv.RectVector();
  const weights = new cv.IntVector();
  try {
    for (const h of hits) {
      for (let i = 0; i < h.length; i += 4)
        rects.push_back(new cv.Rect(h[i], h[i + 1], h[i + 2], h[i + 3]));
    }
    cv.groupRectangles(rects, weights, minNeighbors, GROUP_EPS);
    const out: { x: number; y: number; width: number; height: number; n: number }[] = [];
    for (let i = 0; i < rects.size(); i++) {
      const r = rects.get(i);
      out.push({ x: r.x, y: r.y, width: r.width, height: r.height, n: weights.get(i) });
    }
    return out;
  } finally {
    rects.delete();
    weights.delete();
  }
}
