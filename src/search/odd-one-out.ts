/**
 * The FEC triplet task: of three faces, which expression is the odd one out? The two closest
 * embeddings form the pair that looks most alike; the third face is the odd one.
 */
import { ExprsimError } from '../core/errors.js';
import { euclidean } from './vectors.js';

/**
 * Distances closer than this count as equal: float32 embeddings of one face computed twice can
 * differ in the last bits.
 */
export const ODD_ONE_OUT_TIE = 1e-6;

export interface OddOneOutResult {
  /** 0, 1 or 2: the face not in the closest pair. */
  odd: 0 | 1 | 2;
  /** The closest pair, ascending indices. */
  pair: [number, number];
  /** Euclidean distances between the three embeddings. */
  distances: { ab: number; ac: number; bc: number };
  /**
   * True when there is no odd one out: the smallest distance is shared by two or three pairs
   * (within {@link ODD_ONE_OUT_TIE}), e.g. the same face three times. `odd` and `pair` are then
   * only the tie-break (the pair listed first).
   */
  tie: boolean;
}

/**
 * The odd one of three embeddings: the one not in the closest pair. Ties (see `tie`) go to the
 * pair listed first (ab, then ac, then bc), so the result is deterministic. E_BAD_OPTION for
 * embeddings of different lengths or with non-finite numbers (no distance to compare).
 */
export function oddOneOut(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  c: ArrayLike<number>,
): OddOneOutResult {
  const ab = euclidean(a, b);
  const ac = euclidean(a, c);
  const bc = euclidean(b, c);
  if (![ab, ac, bc].every(Number.isFinite)) {
    throw new ExprsimError('E_BAD_OPTION', 'an embedding holds NaN or infinite numbers', {
      input: `distances ${ab}, ${ac}, ${bc}`,
      fix: 'embed the faces with a model that computes finite numbers (retrain or restore it)',
    });
  }
  let odd: 0 | 1 | 2 = 2;
  let pair: [number, number] = [0, 1];
  let best = ab;
  if (ac < best) {
    best = ac;
    odd = 1;
    pair = [0, 2];
  }
  if (bc < best) {
    odd = 0;
    pair = [1, 2];
  }
  const sorted = [ab, ac, bc].sort((x, y) => x - y);
  const tie = sorted[1] - sorted[0] <= ODD_ONE_OUT_TIE;
  return { odd, pair, distances: { ab, ac, bc }, tie };
}
