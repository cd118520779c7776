import * as tf from '@tensorflow/tfjs';
import type { WasmBackend } from './composite.js';

/**
 * SplitV for the wasm backend as contiguous block copies. tfjs-wasm 4.22 runs one strided Slice
 * per piece (~65 ms to split a [96,12,12,288] map in two along channels, under load); the
 * gradient of every DenseNet concatenation is such a split. Seen as [outer, inner] with outer =
 * the axes before `axis`, each piece takes one contiguous run of every row: TypedArray.set
 * (a memcpy) per row and piece, the mirror of how tfjs-wasm's own Concat works. Strings go to
 * the original kernel.
 */
export function splitVConfig(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.SplitV,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const { x } = args.inputs as tf.SplitVInputs;
      const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
      if (x === undefined || x.dtype === 'string') return original.kernelFunc(args);
      const be = args.backend as WasmBackend;
      const ax = tf.util.parseAxisParam(axis, x.shape)[0];
      const sizes = tf.backend_util.prepareSplitSize(
        x as unknown as tf.Tensor,
        numOrSizeSplits,
        ax,
      );
      const outer = tf.util.sizeFromShape(x.shape.slice(0, ax));
      const after = tf.util.sizeFromShape(x.shape.slice(ax + 1));
      const rowLen = x.shape[ax] * after;
      const outs = sizes.map((s) => {
        const shape = x.shape.slice();
        shape[ax] = s;
        return be.makeOutput(shape, x.dtype);
      });
      // Views after every makeOutput: an allocation may grow the heap and detach older views.
      const src = be.typedArrayFromHeap(x);
      let offset = 0;
      outs.forEach((out, i) => {
        const len = sizes[i] * after;
        const dst = be.typedArrayFromHeap(out);
        if (outer === 1) dst.set(src.subarray(offset, offset + len));
        else
          for (let o = 0; o < outer; o++) {
            const start = o * rowLen + offset;
            dst.set(src.subarray(start, start + len), o * len);
          }
        offset += len;
      });
      return outs;
    },
  };
}
