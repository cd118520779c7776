import * as tf from '@tensorflow/tfjs';
import type { Backend } from './composite.js';

/**
 * Identity for the wasm backend without a copy. tfjs-wasm 4.22 copies the whole tensor (a new
 * heap buffer and a memcpy); training calls Identity hundreds of times a step (gradients of
 * reshapes, tidy's keeps, the optimiser's clones), ~6% of a full-trunk step. tfjs tensors are
 * immutable (a variable's assign swaps its data id, never writes in place), so the output can
 * share the input's data with one more reference, as the cpu backend's Identity and wasm's own
 * Reshape do. Strings go to the original kernel.
 */
export function identityConfig(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Identity,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const { x } = args.inputs as tf.IdentityInputs;
      if (x === undefined || x.dtype === 'string') return original.kernelFunc(args);
      (args.backend as Backend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
    },
  };
}
