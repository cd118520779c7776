/**
 * Least-squares similarity transforms (rotation + uniform scale + translation, no reflection)
 * between point sets, and their inverse: the maths of five-point face alignment.
 */
import { ExprsimError } from '../core/errors.js';
import type { Point } from '../core/face.js';

/** x' = a x - b y + tx, y' = b x + a y + ty (scale sqrt(a² + b²), angle atan2(b, a)). */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/**
 * The similarity that maps `src` onto `dst` with the least sum of squared distances (Umeyama's
 * closed form restricted to 2-D similarities). Needs at least two distinct points.
 */
export function fitSimilarity(src: readonly Point[], dst: readonly Point[]): Similarity {
  if (src.length !== dst.length || src.length < 2) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `a similarity fit needs two or more point pairs, got ${src.length} and ${dst.length} points`,
      { fix: 'pass matching source and template points (at least the two eyes)' },
    );
  }
  const n = src.length;
  let msx = 0;
  let msy = 0;
  let mdx = 0;
  let mdy = 0;
  for (let i = 0; i < n; i++) {
    msx += src[i].x / n;
    msy += src[i].y / n;
    mdx += dst[i].x / n;
    mdy += dst[i].y / n;
  }
  let ss = 0;
  let dot = 0;
  let cross = 0;
  for (let i = 0; i < n; i++) {
    const sx = src[i].x - msx;
    const sy = src[i].y - msy;
    const dx = dst[i].x - mdx;
    const dy = dst[i].y - mdy;
    ss += sx * sx + sy * sy;
    dot += sx * dx + sy * dy;
    cross += sx * dy - sy * dx;
  }
  if (!(ss > 1e-12) || !Number.isFinite(ss)) {
    throw new ExprsimError('E_BAD_OPTION', 'the source points coincide: no similarity fits them', {
      fix: 'pass landmarks from a detector (they must not all be the same point)',
    });
  }
  const a = dot / ss;
  const b = cross / ss;
  return { a, b, tx: mdx - (a * msx - b * msy), ty: mdy - (b * msx + a * msy) };
}

export function applySimilarity(t: Similarity, p: Point): Point {
  return { x: t.a * p.x - t.b * p.y + t.tx, y: t.b * p.x + t.a * p.y + t.ty };
}

export function invertSimilarity(t: Similarity): Similarity {
  const d = t.a * t.a + t.b * t.b;
  if (!(d > 0)) {
    throw new ExprsimError('E_BAD_OPTION', 'a zero-scale similarity cannot be inverted', {
      fix: 'fit the transform to points that are not all the same',
    });
  }
  const a = t.a / d;
  const b = -t.b / d;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

/** The transform's scale factor. */
export function similarityScale(t: Similarity): number {
  return Math.hypot(t.a, t.b);
}
