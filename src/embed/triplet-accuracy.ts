import { mulberry32, randomInt, type Rng } from '../core/prng.js';

/**
 * Triplet prediction accuracy (Vemulapalli & Agarwala 2019, §5): an embedding predicts the odd
 * one out of a triplet as the face farthest from the other two, i.e. of the three pairwise
 * distances the smallest is the similar pair and the remaining face is the odd one. It is right
 * when that face is the labelled odd one out, `n` in exprsim's triplet rows. So a triplet scores
 * 1 when d(a,p) is strictly the smallest distance and 0 when another pair is closer. Ties
 * (identical embeddings) get fractional credit, 1 / (number of pairs tied for the smallest), the
 * expected score of breaking the tie at random: a constant embedding scores exactly chance, 1/3.
 */

/** Squared L2 distance of rows i and j of a flat [n × dim] array. */
export function squaredDistance(emb: Float32Array, dim: number, i: number, j: number): number {
  let s = 0;
  const a = i * dim;
  const b = j * dim;
  for (let k = 0; k < dim; k++) {
    const d = emb[a + k] - emb[b + k];
    s += d * d;
  }
  return s;
}

/** The score of one triplet from its three distances (any monotone distance works). */
export function tripletScore(ap: number, an: number, pn: number): number {
  const min = Math.min(ap, an, pn);
  if (ap !== min) return 0;
  return 1 / ((an === min ? 1 : 0) + (pn === min ? 1 : 0) + 1);
}

/** Row indices into an embedding matrix of each triplet's anchor, positive and negative. */
export interface TripletIndex {
  a: ArrayLike<number>;
  p: ArrayLike<number>;
  n: ArrayLike<number>;
}

export interface TripletDistances {
  ap: Float64Array;
  an: Float64Array;
  pn: Float64Array;
}

/** Squared distances of every triplet. */
export function tripletDistancesOf(
  emb: Float32Array,
  dim: number,
  idx: TripletIndex,
): TripletDistances {
  const n = idx.a.length;
  const out = { ap: new Float64Array(n), an: new Float64Array(n), pn: new Float64Array(n) };
  for (let t = 0; t < n; t++) {
    out.ap[t] = squaredDistance(emb, dim, idx.a[t], idx.p[t]);
    out.an[t] = squaredDistance(emb, dim, idx.a[t], idx.n[t]);
    out.pn[t] = squaredDistance(emb, dim, idx.p[t], idx.n[t]);
  }
  return out;
}

export function tripletScores(d: TripletDistances): Float64Array {
  const s = new Float64Array(d.ap.length);
  for (let t = 0; t < s.length; t++) s[t] = tripletScore(d.ap[t], d.an[t], d.pn[t]);
  return s;
}

/**
 * The mean triplet loss from distances, as the training losses compute it (triplet-loss.ts):
 * `fec`: max(0, ap − an + δ) + max(0, ap − pn + δ) on squared distances; `margin`:
 * max(0, √(ap+ε) − √(an+ε) + δ). For validation loss without tensors.
 */
export function meanTripletLoss(
  d: TripletDistances,
  margins: ArrayLike<number>,
  loss: 'fec' | 'margin',
  eps = 1e-6,
): number {
  let s = 0;
  for (let t = 0; t < d.ap.length; t++) {
    const m = margins[t];
    s +=
      loss === 'fec'
        ? Math.max(0, d.ap[t] - d.an[t] + m) + Math.max(0, d.ap[t] - d.pn[t] + m)
        : Math.max(0, Math.sqrt(d.ap[t] + eps) - Math.sqrt(d.an[t] + eps) + m);
  }
  return d.ap.length === 0 ? NaN : s / d.ap.length;
}

/** The q-quantile of sorted values, linear interpolation between order statistics (R's type 7). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Percentile bootstrap interval of the mean of `scores`: `resamples` times, draw n scores with
 * replacement (index = ⌊rng() · n⌋), take the mean; the interval is the (1 − level)/2 and
 * (1 + level)/2 quantiles of those means.
 */
export function bootstrapInterval(
  scores: ArrayLike<number>,
  resamples: number,
  rng: Rng,
  level = 0.95,
): [number, number] {
  const n = scores.length;
  if (n === 0) return [NaN, NaN];
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += scores[randomInt(rng, n)];
    means[r] = s / n;
  }
  means.sort();
  return [quantile(means, (1 - level) / 2), quantile(means, (1 + level) / 2)];
}

export interface AccuracyWithInterval {
  accuracy: number;
  /** Triplets scored. */
  count: number;
  /** 95% bootstrap interval (or the level asked for). */
  ci: [number, number];
}

export interface TripletAccuracy extends AccuracyWithInterval {
  byType: Record<string, AccuracyWithInterval>;
  bootstrap: { resamples: number; seed: number; level: number };
}

export interface BootstrapOptions {
  /** Each left out is DEFAULT_BOOTSTRAP's. */
  resamples?: number;
  seed?: number;
  level?: number;
}

/** Bootstrap intervals by default: 1000 resamples, seed 1, 95% (eval's defaults show them). */
export const DEFAULT_BOOTSTRAP = Object.freeze({ resamples: 1000, seed: 1, level: 0.95 });

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length === 0 ? NaN : s / xs.length;
}

/**
 * Accuracy overall and per triplet type, each with its bootstrap interval. Each group is
 * resampled on its own, from its own generator (mulberry32(seed), in the order overall, then
 * types sorted by name), so adding a type does not shift the others' intervals.
 */
export function summariseAccuracy(
  scores: ArrayLike<number>,
  types: readonly string[],
  options: BootstrapOptions = {},
): TripletAccuracy {
  const resamples = options.resamples ?? DEFAULT_BOOTSTRAP.resamples;
  const seed = options.seed ?? DEFAULT_BOOTSTRAP.seed;
  const level = options.level ?? DEFAULT_BOOTSTRAP.level;
  const group = (xs: ArrayLike<number>): AccuracyWithInterval => ({
    accuracy: mean(xs),
    count: xs.length,
    ci: resamples > 0 ? bootstrapInterval(xs, resamples, mulberry32(seed), level) : [NaN, NaN],
  });
  const byTypeScores = new Map<string, number[]>();
  types.forEach((t, i) => {
    let l = byTypeScores.get(t);
    if (l === undefined) byTypeScores.set(t, (l = []));
    l.push(scores[i]);
  });
  const byType: Record<string, AccuracyWithInterval> = {};
  for (const t of [...byTypeScores.keys()].sort())
    byType[t] = group(byTypeScores.get(t) as number[]);
  return { ...group(scores), byType, bootstrap: { resamples, seed, level } };
}

/** Plain accuracy overall and per type, no intervals (validation during training). */
export function accuracyByType(
  scores: ArrayLike<number>,
  types: readonly string[],
): { accuracy: number; byType: Record<string, number> } {
  const sums = new Map<string, [number, number]>();
  types.forEach((t, i) => {
    const e = sums.get(t) ?? [0, 0];
    e[0] += scores[i];
    e[1]++;
    sums.set(t, e);
  });
  const byType: Record<string, number> = {};
  for (const t of [...sums.keys()].sort()) {
    const [s, n] = sums.get(t) as [number, number];
    byType[t] = s / n;
  }
  return { accuracy: mean(scores), byType };
}

/** Accuracy of one embedding minus another's on the same triplets, with its interval. */
export interface PairedDifference {
  /** mean(a) − mean(b), in accuracy units (0.05 = 5 points). */
  difference: number;
  count: number;
  /** Paired bootstrap interval (see {@link pairedDifference}). */
  ci: [number, number];
}

/**
 * The difference of two embeddings' triplet accuracies on the same triplets, with a paired
 * bootstrap interval: each resample draws triplets, and a drawn triplet brings both of its
 * scores, i.e. the percentile interval of the mean of the per-triplet differences a[i] − b[i]
 * (bootstrapInterval on them, rng mulberry32(seed)). Both embeddings meet the same easy and
 * hard triplets, so the interval is narrower than either accuracy's own and is the one to read
 * for "beats the baseline by ≥ X points".
 */
export function pairedDifference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: BootstrapOptions = {},
): PairedDifference {
  if (a.length !== b.length) {
    throw new RangeError(`paired scores differ in length: ${a.length} vs ${b.length}`);
  }
  const d = new Float64Array(a.length);
  for (let i = 0; i < d.length; i++) d[i] = a[i] - b[i];
  const resamples = options.resamples ?? DEFAULT_BOOTSTRAP.resamples;
  const seed = options.seed ?? DEFAULT_BOOTSTRAP.seed;
  const level = options.level ?? DEFAULT_BOOTSTRAP.level;
  return {
    difference: mean(d),
    count: d.length,
    ci: resamples > 0 ? bootstrapInterval(d, resamples, mulberry32(seed), level) : [NaN, NaN],
  };
}
