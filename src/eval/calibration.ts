import { writeFileAtomic } from '../core/fs.js';
import { mulberry32 } from '../core/prng.js';
import { DEFAULT_CALIBRATION } from './defaults.js';

/** Each left out is DEFAULT_CALIBRATION's. */
export interface CalibrationOptions {
  /** Random pairs drawn. */
  pairs?: number;
  /** Quantiles kept (evenly spaced from 0 to 1 inclusive). */
  quantiles?: number;
  /** Seed of the pair draw. */
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
  const pairs = options.pairs ?? DEFAULT_CALIBRATION.pairs;
  const q = options.quantiles ?? DEFAULT_CALIBRATION.quantiles;
  if (q < 2) throw new RangeError('calibration needs at least two quantiles');
  const rand = mulberry32(options.seed ?? DEFAULT_CALIBRATION.seed);
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

/**
 * A model's `calibration.json`: the random-pair distance quantiles of an evaluation split's
 * images (search/compare.ts reads `randomPairDistances`), with where they came from.
 */
export interface CalibrationFile {
  format: 'exprsim-calibration';
  version: 1;
  what: string;
  dataset: string;
  split: string;
  images: number;
  randomPairDistances: number[];
}

/** The calibration file of an evaluation that summarised random pairs (evaluateEmbedder). */
export function calibrationFileOf(r: {
  dataset: string;
  split: string;
  images: number;
  randomPairDistances: readonly number[];
}): CalibrationFile {
  return {
    format: 'exprsim-calibration',
    version: 1,
    what: `Euclidean distances between random pairs of distinct images, as ${r.randomPairDistances.length} quantiles`,
    dataset: r.dataset,
    split: r.split,
    images: r.images,
    // Six decimals: finer than any difference between distances that matters, in a smaller file.
    randomPairDistances: r.randomPairDistances.map((d) => Number(d.toFixed(6))),
  };
}

/** Writes calibrationFileOf(r) to `path` (atomically: a model folder never holds half of one). */
export async function writeCalibrationFile(
  path: string,
  r: Parameters<typeof calibrationFileOf>[0],
): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(calibrationFileOf(r))}\n`);
}
