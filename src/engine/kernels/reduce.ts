import * as tf from '@tensorflow/tfjs';
import { composite, type Backend } from './composite.js';

/**
 * Sum and Mean for the wasm backend when the reduced axes lead the shape (e.g. [0, 1, 2] of an
 * NHWC tensor: every bias, batch-norm and broadcast gradient reduces so). tfjs-wasm first
 * transposes the reduced axes to the end, a full copy, then sums rows; ~19 ms for
 * [96,12,12,256] on one core. Seen as an image [1, M, 1, C], the same reduction is one XNNPACK
 * average pooling with an [M, 1] window: ~3 ms (times M for the sum). A product ones[1, M] · X
 * looks equivalent but is slower here (~80 ms): tfjs-wasm packs the right operand as
 * fully-connected weights anew for every new tensor. Other axes, non-float32 dtypes and very
 * long reductions (XNNPACK pooling windows are meant to be small; we cap at 2^20) go to the
 * original kernel.
 */
const MAX_WINDOW = 1 << 20;

/** The number of rows when `axis` are exactly the leading axes (not all of them), else undefined. */
export function leadingSize(shape: number[], axis: number | number[]): number | undefined {
  const axes = tf.util.parseAxisParam(axis, shape).sort((a, b) => a - b);
  if (axes.length === 0 || axes.length === shape.length) return undefined;
  if (!axes.every((a, i) => a === i)) return undefined;
  return tf.util.sizeFromShape(shape.slice(0, axes.length));
}

function reduceConfig(original: tf.KernelConfig, mean: boolean): tf.KernelConfig {
  return {
    kernelName: original.kernelName,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const { x } = args.inputs as tf.SumInputs;
      const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
      if (x === undefined) throw new Error(`${original.kernelName}: missing x`);
      const m = x.dtype === 'float32' ? leadingSize(x.shape, axis) : undefined;
      // Below a few thousand rows the transpose is cheap and the product has nothing to win.
      if (m === undefined || m < 64 || m > MAX_WINDOW) return original.kernelFunc(args);
      const reduced = tf.util.parseAxisParam(axis, x.shape).length;
      const rest = x.shape.slice(reduced);
      const cols = tf.util.sizeFromShape(rest);
      const outShape = keepDims ? [...new Array<number>(reduced).fill(1), ...rest] : rest;
      return composite(args.backend as Backend, [x], (xt) => {
        const avg = tf.avgPool(tf.reshape(xt, [1, m, 1, cols]) as tf.Tensor4D, [m, 1], 1, 'valid');
        return tf.reshape(mean ? avg : tf.mul(avg, m), outShape);
      });
    },
  };
}

export const sumConfig = (original: tf.KernelConfig) => reduceConfig(original, false);
export const meanConfig = (original: tf.KernelConfig) => reduceConfig(original, true);
