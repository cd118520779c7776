import { mulberry32 } from '../core/prng.js';

export interface CalibrationOptions {
  /** Random pairs drawn; default 20,000. */
  pairs?: number;
  /** Quantiles kept (evenly spaced from 0 to 1 inclusive); default 1001. */
  quantiles?: number;
  /** Seed of the pair draw; default 1. */
  seed?: number;
}

/**
 * Euclidean distances between random pairs of distinct embeddings, summarised as evenly spaced
 * quantiles (ascending, first = min, last = max). A model ships them as `calibration.json`
 * ({ randomPairDistances }) so `exprsim similar` can turn a distance into "closer than x% of
 * random face pairs". `emb` is n × dim, row-major.
 */
export function randomPairDistanceQuantiles(
  emb: Float32Array,
  n: number,
  dim: number,
  options: CalibrationOptions = {},
): number[] {
  if (n < 2) throw new RangeError('calibration needs at least two embeddings');
  const pairs = options.pairs ?? 20_000;
  const q = options.quantiles ?? 1001;
  if (q < 2) throw new RangeError('calibration needs at least two quantiles');
  const rand = mulberry32(options.seed ?? 1);
  const d = new Float64Array(pairs);
  for (let k = 0; k < pairs; k++) {
    const i = Math.floor(rand() * n);
    let j = Math.floor(rand() * (n - 1));
    if (j >= i) j++; // distinct, uniform over the others
    let s = 0;
    for (let t = 0; t < dim; t++) {
      const diff = emb[i * dim + t] - emb[j * dim + t];
      s += diff * diff;
    }
    d[k] = Math.sqrt(s);
  }
  d.sort();
  return Array.from({ length: q }, (_, k) => quantileSorted(d, k / (q - 1)));
}

/** Linear-interpolated quantile p ∈ [0, 1] of an ascending array (numpy's default rule). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * The share (0..1) of random pairs farther apart than `distance`, by linear interpolation in
 * the quantile table: 1 means closer than every random pair, 0 farther than every one.
 */
export function similarityPercentile(distance: number, quantiles: readonly number[]): number {
  const q = quantiles.length;
  if (distance <= quantiles[0]) return 1;
  if (distance >= quantiles[q - 1]) return 0;
  let lo = 0;
  let hi = q - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (quantiles[mid] <= distance) lo = mid;
    else hi = mid;
  }
  const span = quantiles[hi] - quantiles[lo];
  const frac = span > 0 ? (distance - quantiles[lo]) / span : 0;
  return 1 - (lo + frac) / (q - 1);
}
