import type * as tf from '@tensorflow/tfjs';
import { ExprsimError } from '../core/errors.js';

/** Takes tensor `name` of `rank` from a weight map, or throws E_MODEL_FORMAT naming it. */
export function takeWeight<R extends tf.Rank>(
  map: tf.NamedTensorMap,
  name: string,
  shape: readonly (number | null)[],
  source: string,
): tf.Tensor<R> {
  const t = map[name];
  const ok =
    t !== undefined &&
    t.rank === shape.length &&
    shape.every((d, i) => d === null || t.shape[i] === d);
  if (!ok) {
    throw new ExprsimError(
      'E_MODEL_FORMAT',
      t === undefined
        ? `weight "${name}" is missing`
        : `weight "${name}" has shape [${t.shape.join(', ')}], expected [${shape.map((d) => d ?? '?').join(', ')}]`,
      { input: source, fix: 'the weights do not belong to this backbone: reinstall exprsim' },
    );
  }
  return t as tf.Tensor<R>;
}
