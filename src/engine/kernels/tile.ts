import * as tf from '@tensorflow/tfjs';
import { composite, type Backend } from './composite.js';

/**
 * Tile for the wasm backend. tfjs-wasm 4.22's Tile is a naive per-element C++ loop (~8M
 * elements/s: 225 ms for batch norm's [1,1,1,128] → [96,12,12,128]), and tf.broadcastTo runs the
 * Tile kernel too, so it cannot be used here (it would call this kernel back).
 *
 * float32: tile(x, reps) viewed with the shape [r0, d0, r1, d1, …] is x (shape [1, d0, 1, d1, …])
 * broadcast along the r axes: out[a0·d0 + b0, …] = x[b0, …]. We compute it as
 * x.reshape([1, d0, 1, d1, …]) · ones([r0, 1, r1, 1, …]) (XNNPACK's broadcasting Multiply, exact
 * for every value: x·1 = x, including −0, ±Inf and NaN), then reshape to [r0·d0, r1·d1, …].
 * Unit sizes are dropped and neighbouring axes of the same kind merged ([1,d0,1,d1] with r0 = 1
 * is just [d0·d1]), because XNNPACK's broadcasting ops accept at most 6 dimensions (beyond that
 * wasm silently returns garbage). When the merged shape still has more than 6 dimensions (rank 4
 * or 5 inputs tiled along many axes), the axes are tiled in several passes.
 *
 * int32 and bool: wasm's Multiply for these is a slow generic loop (slower than the original
 * Tile), but its Concat is a block copy (TypedArray.set per contiguous block). So: merge axes
 * (a tiled axis absorbs the untiled axes after it: repeating an outer index repeats the whole
 * block), then per tiled axis, innermost first, concatenate copies by doubling (x, xx, xxxx, …
 * and one concat of the powers of two that sum to r: O(log r) concats, ≤ 2x the output copied).
 * That costs one TypedArray.set per contiguous block, so when the blocks are tiny (e.g. a last
 * axis of size 1 tiled 3 times, [1000,1] → [1000,3]: 4000 one-element copies) the original
 * per-element kernel is cheaper and is used instead (tileStrategy).
 *
 * string: the original kernel aborts the wasm module (its C++ Tile has no string case), while
 * Concat supports strings, so strings always take the concat route.
 *
 * reps all 1: the output shares the input's data (as Reshape does), no copy.
 * Other dtypes (complex64), scalars and empty tensors go to the original kernel.
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
      const strategy = tileStrategy(x.shape, reps, x.dtype);
      if (strategy === 'copy') {
        // reps all 1: the output may share the input's data, like Reshape's (composite gives it
        // its own reference). No copy, and no Identity kernel (wasm's can't copy strings).
        return composite(backend as Backend, [x], (t) => tf.reshape(t, t.shape));
      }
      if (strategy === 'multiply') {
        const passes = planTile(x.shape, reps);
        return composite(backend as Backend, [x], (t) => {
          let y = t;
          for (const p of passes) {
            const ones = tf.ones(p.onesShape, y.dtype);
            y = tf.reshape(tf.mul(tf.reshape(y, p.xShape), ones), p.outShape);
          }
          return y;
        });
      }
      if (strategy === 'concat') {
        const plan = planConcatTile(x.shape, reps);
        return composite(backend as Backend, [x], (t) => {
          let y = tf.reshape(t, plan.shape);
          for (let axis = plan.reps.length - 1; axis >= 0; axis--) {
            if (plan.reps[axis] > 1) y = repeatAlong(y, axis, plan.reps[axis]);
          }
          return tf.reshape(
            y,
            x.shape.map((d, i) => d * reps[i]),
          );
        });
      }
      return original.kernelFunc(args);
    },
  };
}

export type TileStrategy = 'copy' | 'multiply' | 'concat' | 'original';

/** How the kernel tiles `shape` by `reps` (see tileConfig). */
export function tileStrategy(
  shape: readonly number[],
  reps: readonly number[],
  dtype: tf.DataType,
): TileStrategy {
  const empty = shape.some((d) => d === 0) || reps.some((r) => r === 0);
  const supported =
    dtype === 'float32' || dtype === 'int32' || dtype === 'bool' || dtype === 'string';
  if (!supported || shape.length === 0 || empty) return 'original';
  if (reps.every((r) => r === 1)) return 'copy';
  if (dtype === 'float32') return 'multiply';
  // The original aborts the wasm module on strings; Concat handles them (in JS).
  if (dtype === 'string') return 'concat';
  {
    const outSize = shape.reduce((a, d, i) => a * d * reps[i], 1);
    // ~0.5 µs per block copy against ~0.12 µs per element for the original loop.
    if (planConcatTile(shape, reps).blockCopies * 4 <= outSize) return 'concat';
  }
  return 'original';
}

/** Merged shape and reps for the concat strategy, and the number of block copies it makes. */
export function planConcatTile(
  shape: readonly number[],
  reps: readonly number[],
): { shape: number[]; reps: number[]; blockCopies: number } {
  const groups: { d: number; r: number }[] = [];
  shape.forEach((d, i) => {
    const r = reps[i];
    const last = groups[groups.length - 1];
    // (d1, r1)(d2, 1) → (d1·d2, r1): tiling an outer axis repeats whole blocks of the inner ones.
    // (1, r1)(d2, r2) → (d2, r1·r2): nothing between the copies of a unit axis.
    if (last !== undefined && (r === 1 || last.d === 1)) {
      last.d *= d;
      last.r *= r;
    } else {
      groups.push({ d, r });
    }
  });
  let blockCopies = 0;
  let outer = groups.reduce((a, g) => a * g.d, 1);
  for (let i = groups.length - 1; i >= 0; i--) {
    const { d, r } = groups[i];
    outer /= d; // sizes of the (not yet tiled) axes before this one
    if (r > 1) {
      const doublings = Math.floor(Math.log2(r));
      const ones = r
        .toString(2)
        .split('')
        .filter((c) => c === '1').length;
      blockCopies += outer * (2 * doublings + (ones > 1 ? ones : 0));
    }
  }
  return { shape: groups.map((g) => g.d), reps: groups.map((g) => g.r), blockCopies };
}

/** Concatenate `r` copies of x along `axis`, by doubling: O(log r) concats. */
function repeatAlong(x: tf.Tensor, axis: number, r: number): tf.Tensor {
  const parts: tf.Tensor[] = [];
  let power = x;
  for (let bits = r; bits > 0; bits >>= 1) {
    if (bits & 1) parts.push(power);
    if (bits > 1) power = tf.concat([power, power], axis);
  }
  return parts.length === 1 ? parts[0] : tf.concat(parts, axis);
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
  if (reps.length !== shape.length)
    throw new Error(`Tile: reps ${reps} do not match shape ${shape}`);
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
