import * as tf from '@tensorflow/tfjs';
import { composite, type Backend } from './composite.js';

/**
 * Tile for the wasm backend. tfjs-wasm 4.22's Tile is a naive per-element C++ loop (~15x slower
 * than XNNPACK's broadcasting multiply on the same data), and tf.broadcastTo runs the Tile kernel
 * too, so it cannot be used here (it would call this kernel back).
 *
 * tile(x, reps) viewed with the shape [r0, d0, r1, d1, …] is x (shape [1, d0, 1, d1, …])
 * broadcast along the r axes: out[a0·d0 + b0, …] = x[b0, …]. We compute it as
 * x.reshape([1, d0, 1, d1, …]) · ones([r0, 1, r1, 1, …]) (a broadcasting Multiply, exact for
 * every value: x·1 = x, including −0, ±Inf and NaN), then reshape to [r0·d0, r1·d1, …].
 * Unit sizes are dropped and neighbouring axes of the same kind merged ([1,d0,1,d1] with r0 = 1
 * is just [d0·d1]), because XNNPACK's broadcasting ops accept at most 6 dimensions (beyond that
 * wasm silently returns garbage). When the merged shape still has more than 6 dimensions (rank 4
 * or 5 inputs tiled along many axes), the axes are tiled in several passes.
 *
 * float32 and int32 only (int32 Multiply broadcasts in wasm too); other dtypes (bool, string,
 * complex), scalars and empty
 * results go to the original kernel.
 */
export function tileConfig(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Tile,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { x } = inputs as tf.TileInputs;
      const { reps } = attrs as unknown as tf.TileAttrs;
      if (x === undefined) throw new Error('Tile: missing x');
      const supported = x.dtype === 'float32' || x.dtype === 'int32';
      const empty = x.shape.some((d) => d === 0) || reps.some((r) => r === 0);
      if (!supported || x.shape.length === 0 || empty) return original.kernelFunc(args);
      const passes = planTile(x.shape, reps);
      return composite(backend as Backend, [x], (t) => {
        let y = t;
        for (const p of passes) {
          const ones = tf.ones(p.onesShape, y.dtype);
          y = tf.reshape(tf.mul(tf.reshape(y, p.xShape), ones), p.outShape);
        }
        // reps all 1 (no pass): tfjs still expects a new tensor from the kernel.
        return passes.length === 0 ? tf.clone(y) : y;
      });
    },
  };
}

/** One broadcasting multiply: reshape(x, xShape) · ones(onesShape) → reshape(outShape). */
export interface TilePass {
  xShape: number[];
  onesShape: number[];
  outShape: number[];
}

/** XNNPACK's limit for nd binary ops (XNN_MAX_TENSOR_DIMS). */
export const MAX_BROADCAST_RANK = 6;

/** Merged broadcast shapes for tiling `shape` by `reps` in one multiply. */
function mergedPass(shape: readonly number[], reps: readonly number[]): TilePass {
  // Alternating (x, ones) factors: (1, r_i) then (d_i, 1); drop unit ones, merge same kinds.
  const xShape: number[] = [];
  const onesShape: number[] = [];
  let last: 'x' | 'r' | undefined;
  const push = (kind: 'x' | 'r', size: number) => {
    if (size === 1) return;
    if (last === kind) {
      const i = xShape.length - 1;
      if (kind === 'x') xShape[i] *= size;
      else onesShape[i] *= size;
    } else {
      xShape.push(kind === 'x' ? size : 1);
      onesShape.push(kind === 'r' ? size : 1);
      last = kind;
    }
  };
  shape.forEach((d, i) => {
    push('r', reps[i]);
    push('x', d);
  });
  return { xShape, onesShape, outShape: shape.map((d, i) => d * reps[i]) };
}

/**
 * Split tiling into passes whose merged broadcast rank is at most MAX_BROADCAST_RANK (a single
 * axis always fits: [outer, r, inner]). Greedy over the axes in order; usually one pass.
 */
export function planTile(shape: readonly number[], reps: readonly number[]): TilePass[] {
  if (reps.length !== shape.length) throw new Error(`Tile: reps ${reps} do not match shape ${shape}`);
  const passes: TilePass[] = [];
  let current = shape.slice();
  let pending = shape.map(() => 1);
  const flush = () => {
    if (pending.every((r) => r === 1)) return;
    const p = mergedPass(current, pending);
    passes.push(p);
    current = p.outShape;
    pending = shape.map(() => 1);
  };
  reps.forEach((r, i) => {
    if (r === 1) return;
    const trial = pending.slice();
    trial[i] = r;
    if (mergedPass(current, trial).xShape.length > MAX_BROADCAST_RANK) {
      flush();
      pending[i] = r;
    } else {
      pending = trial;
    }
  });
  flush();
  return passes;
}
