/**
 * The FEC triplet task: of three faces, which expression is the odd one out? The two closest
 * embeddings form the pair that looks most alike; the third face is the odd one.
 */
import { euclidean } from './vectors.js';

export interface OddOneOutResult {
  /** 0, 1 or 2: the face not in the closest pair. */
  odd: 0 | 1 | 2;
  /** The closest pair, ascending indices. */
  pair: [number, number];
  /** Euclidean distances between the three embeddings. */
  distances: { ab: number; ac: number; bc: number };
}

/**
 * The odd one of three embeddings: the one not in the closest pair. Exact ties go to the pair
 * listed first (ab, then ac, then bc), so the result is deterministic.
 */
export function oddOneOut(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  c: ArrayLike<number>,
): OddOneOutResult {
  const ab = euclidean(a, b);
  const ac = euclidean(a, c);
  const bc = euclidean(b, c);
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
  return { odd, pair, distances: { ab, ac, bc } };
}
