import * as tf from '@tensorflow/tfjs';
import { ExprsimError } from '../core/errors.js';

/**
 * Flip averaging: a face's embedding is the mean of its own and its mirror image's embedding,
 * scaled back to unit length. A face and its mirror image show the same expression, so the
 * average cancels left-right noise in either view (test-time augmentation; on FER2013 it adds
 * about a point of triplet accuracy, docs/results/default-model). Rows are `dim` long; a zero
 * sum (opposite vectors) stays zero.
 */
export function averageUnitRows(a: Float32Array, b: Float32Array, dim: number): Float32Array {
  if (a.length !== b.length || dim < 1 || a.length % dim !== 0) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `cannot average ${a.length} and ${b.length} values in rows of ${dim}`,
    );
  }
  const out = new Float32Array(a.length);
  for (let r = 0; r < a.length; r += dim) {
    let norm = 0;
    for (let j = r; j < r + dim; j++) {
      out[j] = a[j] + b[j];
      norm += out[j] * out[j];
    }
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let j = r; j < r + dim; j++) out[j] *= inv;
    }
  }
  return out;
}

/** {@link averageUnitRows} on tensors [n, d] (a new tensor; the inputs are kept). */
export function averageUnitTensors(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const s = tf.add(a, b);
    return tf.div(s, tf.maximum(tf.norm(s, 2, 1, true), 1e-12)) as tf.Tensor2D;
  });
}
