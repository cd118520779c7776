import * as tf from '@tensorflow/tfjs';

/**
 * Building blocks for kernels written as compositions of other (fast) tfjs ops.
 *
 * The engine calls a kernelFunc with `TensorInfo`s and expects `TensorInfo`s back, with a
 * precise ownership contract (see tfjs-core `Engine.runKernelFunc` and `trackTensor`):
 * - it wraps each returned `TensorInfo` in a new tensor *without* taking a reference on the
 *   backend data (`makeTensorFromTensorInfo` does no `incRef`), so a kernel output must arrive
 *   holding exactly one backend reference of its own (what `backend.makeOutput` gives);
 * - the inputs belong to the caller: the kernel must leave their reference counts unchanged.
 *
 * Ops (tf.conv2d, tf.transpose, …) work on engine-tracked `Tensor`s. `adopt` wraps an input
 * with one extra reference, so disposing the wrapper (at the end of the `tidy`) gives that
 * reference back and never frees the caller's data. `composite` runs the op graph in a `tidy`
 * (all intermediates are freed there) and hands the one reference of the result tensor over to
 * the engine. Ops run inside a kernel are not recorded on the gradient tape (the engine's
 * `kernelDepth` is > 0 while a kernel runs), so this also costs nothing under `tf.grads`.
 */

export type Backend = tf.KernelBackend;

/** The parts of tfjs-wasm's BackendWasm that kernels writing into the heap directly use. */
export interface WasmBackend extends tf.KernelBackend {
  disposeData(dataId: tf.DataId): boolean;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** A tracked tensor view of a kernel input; it holds its own reference on the data. */
export function adopt(backend: Backend, info: tf.TensorInfo): tf.Tensor {
  backend.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info, backend);
}

/**
 * A tracked tensor that takes over a fresh kernel output (refCount 1, not yet tracked), e.g. what
 * an original wasm kernelFunc returns; disposing the tensor frees the data.
 */
export function own(backend: Backend, info: tf.TensorInfo): tf.Tensor {
  return tf.engine().makeTensorFromTensorInfo(info, backend);
}

/**
 * Run `build` on tracked views of `inputs` and return its result as a kernel output. Every tensor
 * made inside `build` is disposed, the inputs' reference counts are left as they were, and the
 * result keeps exactly one backend reference, owned by the tensor the engine wraps around it.
 */
export function composite(
  backend: Backend,
  inputs: tf.TensorInfo[],
  build: (...xs: tf.Tensor[]) => tf.Tensor,
): tf.TensorInfo {
  const result = tf.tidy(() => build(...inputs.map((t) => adopt(backend, t))));
  // `result` is tracked by the engine and holds one reference. Take a second one for the
  // engine's future wrapper, then drop the tracked tensor (refCount back to 1; the data stays,
  // and so does the engine's bookkeeping entry for this dataId, which the wrapper reuses).
  backend.incRef(result.dataId);
  const out: tf.TensorInfo = {
    dataId: result.dataId,
    shape: result.shape.slice(),
    dtype: result.dtype,
  };
  result.dispose();
  return out;
}

/** [top, bottom], [left, right] amounts to pad (>0) or crop (<0) the two spatial dims of NHWC. */
export type Margins = [[number, number], [number, number]];

/**
 * Crop the negative margins of an NHWC tensor (a slice) and return the non-negative rest, to be
 * passed as explicit padding to the following conv2d (which pads through XNNPACK's indirection
 * buffer instead of materialising a padded copy).
 */
export function cropNegative(
  x: tf.Tensor4D,
  margins: Margins,
): { x: tf.Tensor4D; pads: ExplicitPads } {
  const [[top, bottom], [left, right]] = margins;
  const cropTop = Math.max(0, -top);
  const cropLeft = Math.max(0, -left);
  const h = x.shape[1] - cropTop - Math.max(0, -bottom);
  const w = x.shape[2] - cropLeft - Math.max(0, -right);
  if (h <= 0 || w <= 0)
    throw new Error(`internal: crop leaves an empty tensor (${x.shape} by ${margins})`);
  const cropped =
    cropTop || cropLeft || h !== x.shape[1] || w !== x.shape[2]
      ? tf.slice(x, [0, cropTop, cropLeft, 0], [x.shape[0], h, w, x.shape[3]])
      : x;
  return {
    x: cropped,
    pads: [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ],
  };
}

/** tfjs's explicit padding for conv2d, NHWC: [[0,0],[top,bottom],[left,right],[0,0]]. */
export type ExplicitPads = [[number, number], [number, number], [number, number], [number, number]];

/**
 * Spread an NHWC tensor on a grid of stride (sh, sw): out[n, i*sh, j*sw, c] = x[n, i, j, c] and
 * zeros elsewhere, shape [n, h*sh, w*sw, c] (so s-1 trailing zero rows/columns). Done as a
 * reshape to [n, h, 1, w, 1, c], a zero pad of the unit axes to s, and a reshape back: one PadV2
 * (XNNPACK constant pad, rank 6 is its maximum) instead of a scatter.
 */
export function spreadOnGrid(x: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const x6 = tf.reshape(x, [n, h, 1, w, 1, c]);
  const padded = tf.pad(x6, [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  return tf.reshape(padded, [n, h * sh, w * sw, c]);
}

/** Normalise a conv's dataFormat attr for backend_util.computeConv2DInfo. */
export function channelsFormat(dataFormat: 'NHWC' | 'NCHW'): 'channelsLast' | 'channelsFirst' {
  return tf.backend_util.convertConv2DDataFormat(dataFormat);
}
