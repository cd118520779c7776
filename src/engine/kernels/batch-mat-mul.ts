import * as tf from '@tensorflow/tfjs';
import { composite, own, type Backend } from './composite.js';

/**
 * BatchMatMul for the wasm backend. tfjs-wasm 4.22 runs a product on XNNPACK's fully-connected
 * operator only when neither operand is transposed and both have batch size 1; otherwise it
 * falls back to a naive blocked loop, ~20-25x slower (760 ms vs 29 ms for [1024, 512]ᵀ ·
 * [1024, 512] on one core). Every matMul gradient needs a transposed product
 * (d(a·b)/da = dy · bᵀ, d/db = aᵀ · dy), so training dense layers hits it constantly.
 *
 * With transposeA/transposeB, the transposed operand is materialised with an explicit Transpose
 * of its last two axes (a memory pass, O(size) against O(m·n·k) for the product), and the
 * product goes to the original kernel without transposes, in a shape it runs on XNNPACK:
 * - no batch, or b not batched (broadcast over a's batch): a as one [batch·m, k] matrix;
 * - both batched (same batch shape) or only b batched: one product per matrix (contiguous
 *   splits, then a concat), if the matrices are big enough (m·n·k ≥ 32³) for the per-call
 *   overhead to pay off; smaller ones, and batch shapes that broadcast against each other,
 *   stay on the original kernel with its transpose flags (explicit transposes would not help
 *   the loop).
 * Calls without transposes, and dtypes the original rejects, are delegated unchanged.
 */
export function batchMatMulConfig(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { a, b } = inputs as tf.BatchMatMulInputs;
      const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
      if (a === undefined || b === undefined) throw new Error('BatchMatMul: missing a or b');
      if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32') {
        return original.kernelFunc(args);
      }
      const ra = a.shape.length;
      const rb = b.shape.length;
      const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
      const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
      const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
      const batchShapeA = a.shape.slice(0, -2);
      const batchShapeB = b.shape.slice(0, -2);
      const batchA = tf.util.sizeFromShape(batchShapeA);
      const batchB = tf.util.sizeFromShape(batchShapeB);
      const perMatrix =
        batchB > 1 && (batchA === 1 || tf.util.arraysEqual(batchShapeA, batchShapeB));
      if (batchB > 1 && (!perMatrix || m * n * k < PER_MATRIX_MIN_WORK))
        return original.kernelFunc(args);
      const outShape = [
        ...tf.broadcast_util.assertAndGetBroadcastShape(batchShapeA, batchShapeB),
        m,
        n,
      ];

      const be = backend as Backend;
      // The original kernel, untransposed, on 3-d operands of batch 1 (its XNNPACK path).
      const product = (x: tf.Tensor, y: tf.Tensor) =>
        own(
          be,
          original.kernelFunc({
            inputs: { a: x, b: y },
            backend,
            attrs: { transposeA: false, transposeB: false },
          }) as tf.TensorInfo,
        );
      return composite(be, [a, b], (at, bt) => {
        const a2 = transposeA ? swapLastTwo(at) : at;
        const b2 = transposeB ? swapLastTwo(bt) : bt;
        if (batchB === 1) {
          return tf.reshape(
            product(tf.reshape(a2, [1, batchA * m, k]), tf.reshape(b2, [1, k, n])),
            outShape,
          );
        }
        const bs = tf.split(tf.reshape(b2, [batchB, k, n]), batchB, 0);
        const as =
          batchA === 1
            ? bs.map(() => tf.reshape(a2, [1, m, k]))
            : tf.split(tf.reshape(a2, [batchA, m, k]), batchA, 0);
        return tf.reshape(
          tf.concat(
            bs.map((bi, i) => product(as[i], bi)),
            0,
          ),
          outShape,
        );
      });
    },
  };
}

/** Below this m·n·k, a per-matrix XNNPACK call costs more than the original loop saves. */
export const PER_MATRIX_MIN_WORK = 32 ** 3;

function swapLastTwo(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(x, perm);
}
