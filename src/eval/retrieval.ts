import * as tf from '@tensorflow/tfjs';
import { DEFAULT_EVAL_OPTIONS } from './defaults.js';

/**
 * Retrieval metrics over a labelled set of embeddings (e.g. FER2013 PrivateTest's 3,589 faces),
 * leave-one-out: every image queries all the others, ranked by squared L2 distance (ties by
 * index, so results are deterministic).
 *
 * - precision@k: the fraction of the k nearest with the query's label, averaged over queries.
 * - mAP: average precision per query, (1/R) Σ precision@rank over the ranks of the R images with
 *   the query's label, averaged over queries (`map`) and per label (`mapByLabel`; `mapMacro` is
 *   their plain mean, so rare labels count as much as common ones).
 * - k-NN accuracy: the majority label of the k nearest (ties: the tied label met first in rank
 *   order) equals the query's.
 */
export interface RetrievalMetrics {
  images: number;
  labels: Record<string, number>;
  precisionAt: Record<string, number>;
  map: number;
  mapMacro: number;
  mapByLabel: Record<string, number>;
  knn: { k: number; accuracy: number };
}

export interface RetrievalOptions {
  /** precision@k for these k; default DEFAULT_EVAL_OPTIONS.ks. */
  ks?: readonly number[];
  /** k of k-NN accuracy; default DEFAULT_EVAL_OPTIONS.knnK. */
  knnK?: number;
}

/**
 * Pairwise squared L2 distances of the rows of a flat [n × dim] matrix, as an n × n Float32Array,
 * computed with tensors in row blocks (a matrix product, fast on any backend).
 */
export function pairwiseSquaredDistances(emb: Float32Array, n: number, dim: number): Float32Array {
  const out = new Float32Array(n * n);
  const all = tf.tensor2d(emb, [n, dim]);
  try {
    const norms = tf.tidy(() => tf.sum(tf.square(all), 1));
    const BLOCK = 256;
    for (let s = 0; s < n; s += BLOCK) {
      const e = Math.min(n, s + BLOCK);
      const block = tf.tidy(() => {
        const rows = all.slice([s, 0], [e - s, dim]);
        const dots = tf.matMul(rows, all, false, true);
        const rn = norms.slice([s], [e - s]).reshape([e - s, 1]);
        return tf.relu(tf.sub(tf.add(rn, norms.reshape([1, n])), tf.mul(dots, 2)));
      });
      out.set(block.dataSync() as Float32Array, s * n);
      block.dispose();
    }
    norms.dispose();
  } finally {
    all.dispose();
  }
  return out;
}

/** Retrieval metrics from an n × n distance matrix and n labels. */
export function retrievalMetrics(
  dist: Float32Array,
  labels: readonly string[],
  options: RetrievalOptions = {},
): RetrievalMetrics {
  const n = labels.length;
  const ks = options.ks ?? DEFAULT_EVAL_OPTIONS.ks;
  const knnK = options.knnK ?? DEFAULT_EVAL_OPTIONS.knnK;
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const precisionSums = ks.map(() => 0);
  let apSum = 0;
  let apCount = 0;
  const apByLabel = new Map<string, [number, number]>();
  let knnRight = 0;
  const order = new Uint32Array(n - 1);
  for (let q = 0; q < n; q++) {
    const row = dist.subarray(q * n, (q + 1) * n);
    let o = 0;
    for (let j = 0; j < n; j++) if (j !== q) order[o++] = j;
    order.sort((x, y) => row[x] - row[y] || x - y);
    const label = labels[q];
    const relevant = (counts.get(label) ?? 0) - 1;
    ks.forEach((k, i) => {
      const kk = Math.min(k, n - 1);
      let hit = 0;
      for (let r = 0; r < kk; r++) if (labels[order[r]] === label) hit++;
      precisionSums[i] += kk > 0 ? hit / kk : 0;
    });
    if (relevant > 0) {
      let hits = 0;
      let ap = 0;
      for (let r = 0; r < n - 1 && hits < relevant; r++) {
        if (labels[order[r]] === label) {
          hits++;
          ap += hits / (r + 1);
        }
      }
      ap /= relevant;
      apSum += ap;
      apCount++;
      const e = apByLabel.get(label) ?? [0, 0];
      e[0] += ap;
      e[1]++;
      apByLabel.set(label, e);
    }
    const votes = new Map<string, number>();
    const kk = Math.min(knnK, n - 1);
    for (let r = 0; r < kk; r++) {
      const l = labels[order[r]];
      votes.set(l, (votes.get(l) ?? 0) + 1);
    }
    let bestLabel: string | undefined;
    let bestVotes = -1;
    // Map iteration follows first insertion, i.e. rank order: the first label reaching the top
    // count wins ties.
    for (const [l, v] of votes) {
      if (v > bestVotes) {
        bestVotes = v;
        bestLabel = l;
      }
    }
    if (bestLabel === label) knnRight++;
  }
  const sortedLabels = [...counts.keys()].sort();
  const mapByLabel: Record<string, number> = {};
  for (const l of sortedLabels) {
    const e = apByLabel.get(l);
    if (e) mapByLabel[l] = e[0] / e[1];
  }
  const macro = Object.values(mapByLabel);
  return {
    images: n,
    labels: Object.fromEntries(sortedLabels.map((l) => [l, counts.get(l) as number])),
    precisionAt: Object.fromEntries(ks.map((k, i) => [String(k), precisionSums[i] / n])),
    map: apCount > 0 ? apSum / apCount : NaN,
    mapMacro: macro.length > 0 ? macro.reduce((a, b) => a + b, 0) / macro.length : NaN,
    mapByLabel,
    knn: { k: knnK, accuracy: knnRight / n },
  };
}
