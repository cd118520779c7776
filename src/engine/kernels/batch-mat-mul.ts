import * as tf from '@tensorflow/tfjs';
import { composite, own, type Backend } from './composite.js';

/**
 * BatchMatMul for the wasm backend. tfjs-wasm 4.22 hands transposeA/transposeB to XNNPACK's
 * fully-connected operator only when neither is set; with a transpose it falls back to a naive
 * loop, ~25x slower (e.g. 760 ms vs 29 ms for [512, 1024]ᵀ · [1024, 512] on one core). Every
 * matMul gradient needs a transposed product (d(a·b)/da = dy · bᵀ, d/db = aᵀ · dy), so training
 * dense layers hits it constantly.
 *
 * Here a transposed operand is materialised with an explicit Transpose of its last two axes
 * (a cheap memory pass, O(size) against O(m·n·k) for the product), and the product goes to the
 * original kernel without transposes. Untransposed calls, and dtypes the original rejects, are
 * delegated unchanged.
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
      const be = backend as Backend;
      return composite(be, [a, b], (at, bt) => {
        const a2 = transposeA ? swapLastTwo(at) : at;
        const b2 = transposeB ? swapLastTwo(bt) : bt;
        const product = original.kernelFunc({
          inputs: { a: a2, b: b2 },
          backend,
          attrs: { transposeA: false, transposeB: false },
        }) as tf.TensorInfo;
        return own(be, product);
      });
    },
  };
}

function swapLastTwo(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(x, perm);
}
