import * as tf from '@tensorflow/tfjs';

/**
 * Triplet losses over a batch of embeddings laid out triplet by triplet:
 * rows (a0, p0, n0, a1, p1, n1, …), shape [3B, D]. a = anchor, p = positive (the face closer to
 * the anchor by the raters' vote), n = negative (the odd one out).
 */

/** Squared L2 distances d(a,p), d(a,n), d(p,n), each [B]. */
export function tripletDistances(embeddings: tf.Tensor2D): {
  ap: tf.Tensor1D;
  an: tf.Tensor1D;
  pn: tf.Tensor1D;
} {
  const [rows, dim] = embeddings.shape;
  const b = rows / 3;
  const t = embeddings.reshape([b, 3, dim]);
  const [a, p, n] = tf.unstack(t, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const d = (u: tf.Tensor2D, v: tf.Tensor2D) =>
    tf.sum(tf.squaredDifference(u, v), 1) as tf.Tensor1D;
  return { ap: d(a, p), an: d(a, n), pn: d(p, n) };
}

/**
 * FECNet's loss (Vemulapalli & Agarwala 2019, eq. 1): both the anchor and the positive must be
 * closer to each other than to the negative, on squared L2 distances:
 *   max(0, d(a,p) − d(a,n) + δ) + max(0, d(a,p) − d(p,n) + δ), averaged over the batch.
 * `margins` is δ, one per triplet or one for all.
 */
export function fecTripletLoss(embeddings: tf.Tensor2D, margins: tf.Tensor1D | number): tf.Scalar {
  return tf.tidy(() => {
    const { ap, an, pn } = tripletDistances(embeddings);
    const m = typeof margins === 'number' ? tf.scalar(margins) : margins;
    const l1 = tf.relu(tf.add(tf.sub(ap, an), m));
    const l2 = tf.relu(tf.add(tf.sub(ap, pn), m));
    return tf.mean(tf.add(l1, l2)) as tf.Scalar;
  });
}

/**
 * The standard triplet margin loss (as in PyTorch's TripletMarginLoss, p = 2): on L2 distances
 * (not squared), anchor side only: max(0, ‖a−p‖ − ‖a−n‖ + margin). For comparison with FECNet's.
 * `eps` keeps the sqrt's gradient finite when two embeddings coincide.
 */
export function tripletMarginLoss(embeddings: tf.Tensor2D, margin = 1, eps = 1e-6): tf.Scalar {
  return tf.tidy(() => {
    const { ap, an } = tripletDistances(embeddings);
    const dap = tf.sqrt(tf.add(ap, eps));
    const dan = tf.sqrt(tf.add(an, eps));
    return tf.mean(tf.relu(tf.add(tf.sub(dap, dan), margin))) as tf.Scalar;
  });
}

export type TripletType = 'ONE_CLASS_TRIPLET' | 'TWO_CLASS_TRIPLET' | 'THREE_CLASS_TRIPLET';

export interface MarginConfig {
  /** δ for one-class triplets; default 0.1 (FECNet). */
  oneClass?: number;
  /** δ for two- and three-class triplets; default 0.2 (FECNet). */
  other?: number;
}

/** FECNet's per-type margins: 0.1 for one-class triplets, 0.2 otherwise. */
export function tripletMargins(types: readonly TripletType[], config: MarginConfig = {}): number[] {
  const one = config.oneClass ?? 0.1;
  const other = config.other ?? 0.2;
  return types.map((t) => (t === 'ONE_CLASS_TRIPLET' ? one : other));
}
