import * as tf from '@tensorflow/tfjs';
import type { NativeBlas, NativeDone } from './load.js';
import { leadingSize } from '../kernels/reduce.js';
import type { WasmBackend } from '../kernels/composite.js';

/**
 * Kernels for tfjs's wasm backend that run on a native library (native/exprsim-dnnl.c on oneDNN,
 * or native/exprsim-blas.c on OpenBLAS; both have the same functions): Conv2D, FusedConv2D,
 * both conv gradients, depthwise gradients, FusedBatchNorm, Sum/Mean over leading axes,
 * BatchMatMul and _FusedMatMul.
 * Tensors stay in the wasm heap: the native code reads the inputs and writes the output
 * through Float32Array views of it. A case oneDNN declines (only its reference loops for it) goes
 * to the next library (OpenBLAS's kernels, when built); whatever no native kernel covers (NCHW,
 * non-float32, a bias that is not per output channel, batch shapes that broadcast both
 * ways, prelu slopes that are not per channel) goes to the kernel registered before, i.e.
 * exprsim's wasm training kernels or tfjs-wasm's own.
 */

const BACKEND = 'wasm';

/** Activation codes of native/napi-args.h; prelu (a tensor of slopes) is applied after (NativeBlas.prelu). */
const ACTIVATIONS: Partial<Record<string, number>> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  leakyrelu: 3,
  elu: 4,
  sigmoid: 5,
};

function view(be: WasmBackend, info: tf.TensorInfo): Float32Array {
  return be.typedArrayFromHeap(info) as Float32Array;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

interface NativeKernel {
  name: string;
  /** A function only some libraries have: registered only on those. */
  needs?: 'depthwiseConv2d';
  /** The output, or undefined to hand the call to the kernel registered before. */
  run(blas: NativeBlas, be: WasmBackend, args: KernelArgs): tf.TensorInfo | undefined;
}

/** [n, h, w, cin, kh, kw, cout, oh, ow, sh, sw, dh, dw, top, left] for the native side. */
function convShape(c: tf.backend_util.Conv2DInfo): number[] {
  return [
    c.batchSize,
    c.inHeight,
    c.inWidth,
    c.inChannels,
    c.filterHeight,
    c.filterWidth,
    c.outChannels,
    c.outHeight,
    c.outWidth,
    c.strideHeight,
    c.strideWidth,
    c.dilationHeight,
    c.dilationWidth,
    c.padInfo.top,
    c.padInfo.left,
  ];
}

/** computeConv2DInfo of a depthwise conv (NHWC, the only layout tfjs's depthwise ops take). */
function depthwiseInfo(
  inShape: number[],
  filterShape: number[],
  a: {
    strides: [number, number] | number;
    dilations: [number, number] | number;
    pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  },
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations,
    a.pad as 'same',
    a.dimRoundingMode,
    true,
  );
}

/** convShape with the channel multiplier (filter's last dim) in the cout slot. */
function depthwiseShape(c: tf.backend_util.Conv2DInfo): number[] {
  const s = convShape(c);
  s[6] = c.outChannels / c.inChannels;
  return s;
}

/**
 * Whether a fused op's bias is per output channel (or a scalar): every dim but the last is 1
 * and the last is 1 or `channels`. tfjs accepts any bias that broadcasts to the output (e.g.
 * [m, 1], per row); those go to the previous kernel.
 */
function perChannelBias(bias: tf.TensorInfo | undefined, channels: number): boolean {
  if (bias === undefined) return true;
  const s = bias.shape;
  const last = s.length === 0 ? 1 : s[s.length - 1];
  return s.slice(0, -1).every((d) => d === 1) && (last === 1 || last === channels);
}

/**
 * Run the native call that fills `out`. If it declines (oneDNN without optimised code for the
 * case: false) or throws (a shape the C side refuses), free the output, so the wasm heap does
 * not leak it, and hand the op on (undefined) or rethrow.
 */
function fill(
  be: WasmBackend,
  out: tf.TensorInfo,
  call: () => NativeDone,
): tf.TensorInfo | undefined {
  let done: NativeDone;
  try {
    done = call();
  } catch (e) {
    be.disposeData(out.dataId);
    throw e;
  }
  if (done === false) {
    be.disposeData(out.dataId);
    return undefined;
  }
  return out;
}

/** No empty dimension anywhere (the C side needs ≥ 1 everywhere; tfjs handles empties). */
const nonEmpty = (...shapes: number[][]) => shapes.every((s) => s.every((d) => d > 0));

const allFloat = (...ts: (tf.TensorInfo | undefined)[]) =>
  ts.every((t) => t === undefined || t.dtype === 'float32');

/**
 * A fused op's activation for the native side: its code, and for prelu the slopes (the
 * library computes the linear op, then its prelu runs over the output). undefined: not
 * covered (prelu without slopes, or slopes that are not per output channel, e.g. per row).
 */
function activationOf(
  fused: boolean,
  activation: string | undefined,
  slopes: tf.TensorInfo | undefined,
  channels: number,
): { act: number; prelu?: tf.TensorInfo } | undefined {
  if (!fused) return { act: 0 };
  if (activation === 'prelu') {
    if (slopes === undefined || !allFloat(slopes) || !perChannelBias(slopes, channels))
      return undefined;
    return { act: 0, prelu: slopes };
  }
  const act = ACTIVATIONS[activation ?? 'linear'];
  return act === undefined || slopes !== undefined ? undefined : { act };
}

/**
 * Run `call`; when it computed (not declined) and `prelu` is set, apply it to `out` with the
 * same library's prelu (one vectorised pass; MTCNN's layers are prelu).
 */
function thenPrelu(
  blas: NativeBlas,
  be: WasmBackend,
  out: tf.TensorInfo,
  prelu: tf.TensorInfo | undefined,
  call: () => NativeDone,
): () => NativeDone {
  return () => {
    const done = call();
    if (done !== false && prelu !== undefined) blas.prelu(view(be, out), view(be, prelu));
    return done;
  };
}

function convForward(fused: boolean): NativeKernel['run'] {
  return (blas, be, { inputs, attrs }) => {
    const { x, filter, bias, preluActivationWeights } = inputs as tf.FusedConv2DInputs;
    const a = attrs as unknown as tf.FusedConv2DAttrs;
    if (a.dataFormat !== 'NHWC' || !allFloat(x, filter, bias)) return undefined;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      a.strides,
      a.dilations,
      a.pad,
      a.dimRoundingMode,
    );
    const fn = activationOf(fused, a.activation, preluActivationWeights, info.outChannels);
    if (fn === undefined || !perChannelBias(bias, info.outChannels)) return undefined;
    if (!nonEmpty(x.shape, filter.shape, info.outShape)) return undefined;
    const out = be.makeOutput(info.outShape, 'float32');
    // Views after makeOutput: allocating may grow the heap and detach older views.
    return fill(
      be,
      out,
      thenPrelu(blas, be, out, fn.prelu, () =>
        blas.conv2d(
          view(be, x),
          view(be, filter),
          view(be, out),
          convShape(info),
          bias === undefined ? null : view(be, bias),
          fn.act,
          // tfjs's fused ops default leakyreluAlpha to 0.2 (tf.fused.conv2d's signature).
          a.leakyreluAlpha ?? 0.2,
        ),
      ),
    );
  };
}

/** DepthwiseConv2dNative and FusedDepthwiseConv2D, on libraries that have depthwiseConv2d. */
function depthwiseForward(fused: boolean): NativeKernel['run'] {
  return (blas, be, { inputs, attrs }) => {
    const { x, filter, bias, preluActivationWeights } = inputs as tf.FusedDepthwiseConv2DInputs;
    const a = attrs as unknown as tf.FusedDepthwiseConv2DAttrs;
    const depthwise = blas.depthwiseConv2d?.bind(blas);
    if (depthwise === undefined || x === undefined || filter === undefined) return undefined;
    if (a.dataFormat !== 'NHWC' || !allFloat(x, filter, bias)) return undefined;
    const info = depthwiseInfo(x.shape, filter.shape, a);
    const fn = activationOf(fused, a.activation, preluActivationWeights, info.outChannels);
    if (fn === undefined || !perChannelBias(bias, info.outChannels)) return undefined;
    if (!nonEmpty(x.shape, filter.shape, info.outShape)) return undefined;
    const out = be.makeOutput(info.outShape, 'float32');
    return fill(
      be,
      out,
      thenPrelu(blas, be, out, fn.prelu, () =>
        depthwise(
          view(be, x),
          view(be, filter),
          view(be, out),
          depthwiseShape(info),
          bias === undefined ? null : view(be, bias),
          fn.act,
          a.leakyreluAlpha ?? 0.2,
        ),
      ),
    );
  };
}

const KERNELS: NativeKernel[] = [
  { name: tf.Conv2D, run: convForward(false) },
  { name: tf.FusedConv2D, run: convForward(true) },
  { name: tf.DepthwiseConv2dNative, needs: 'depthwiseConv2d', run: depthwiseForward(false) },
  { name: tf.FusedDepthwiseConv2D, needs: 'depthwiseConv2d', run: depthwiseForward(true) },
  {
    name: tf.Conv2DBackpropInput,
    run: (blas, be, { inputs, attrs }) => {
      const { dy, filter } = inputs as tf.Conv2DBackpropInputInputs;
      const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
      if (dy === undefined || filter === undefined) return undefined;
      if (a.dataFormat !== 'NHWC' || !allFloat(dy, filter)) return undefined;
      const info = tf.backend_util.computeConv2DInfo(
        a.inputShape,
        filter.shape as [number, number, number, number],
        a.strides,
        1,
        a.pad,
        a.dimRoundingMode,
      );
      // tfjs does not check dy against inputShape (conv2dTranspose takes a user's output shape).
      if (!tf.util.arraysEqual(dy.shape, info.outShape)) return undefined;
      if (!nonEmpty(dy.shape, filter.shape, a.inputShape)) return undefined;
      const out = be.makeOutput(a.inputShape, 'float32');
      return fill(be, out, () =>
        blas.conv2dBackpropInput(view(be, dy), view(be, filter), view(be, out), convShape(info)),
      );
    },
  },
  {
    name: tf.Conv2DBackpropFilter,
    run: (blas, be, { inputs, attrs }) => {
      const { x, dy } = inputs as tf.Conv2DBackpropFilterInputs;
      const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      if (x === undefined || dy === undefined) return undefined;
      if (a.dataFormat !== 'NHWC' || !allFloat(x, dy)) return undefined;
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        a.filterShape,
        a.strides,
        1,
        a.pad,
        a.dimRoundingMode,
      );
      if (!tf.util.arraysEqual(dy.shape, info.outShape)) return undefined;
      if (!nonEmpty(x.shape, dy.shape, a.filterShape)) return undefined;
      const out = be.makeOutput(a.filterShape, 'float32');
      return fill(be, out, () =>
        blas.conv2dBackpropFilter(view(be, x), view(be, dy), view(be, out), convShape(info)),
      );
    },
  },
  {
    name: tf.DepthwiseConv2dNativeBackpropInput,
    run: (blas, be, { inputs, attrs }) => {
      const { dy, filter } = inputs as tf.DepthwiseConv2dNativeBackpropInputInputs;
      const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
      if (dy === undefined || filter === undefined || !allFloat(dy, filter)) return undefined;
      const info = depthwiseInfo(a.inputShape, filter.shape, a);
      if (!tf.util.arraysEqual(dy.shape, info.outShape)) return undefined;
      if (!nonEmpty(dy.shape, filter.shape, a.inputShape)) return undefined;
      const out = be.makeOutput(a.inputShape, 'float32');
      return fill(be, out, () =>
        blas.depthwiseBackpropInput(
          view(be, dy),
          view(be, filter),
          view(be, out),
          depthwiseShape(info),
        ),
      );
    },
  },
  {
    name: tf.DepthwiseConv2dNativeBackpropFilter,
    run: (blas, be, { inputs, attrs }) => {
      const { x, dy } = inputs as tf.DepthwiseConv2dNativeBackpropFilterInputs;
      const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
      if (x === undefined || dy === undefined || !allFloat(x, dy)) return undefined;
      const info = depthwiseInfo(x.shape, a.filterShape, a);
      if (!tf.util.arraysEqual(dy.shape, info.outShape)) return undefined;
      if (!nonEmpty(x.shape, dy.shape, a.filterShape)) return undefined;
      const out = be.makeOutput(a.filterShape, 'float32');
      return fill(be, out, () =>
        blas.depthwiseBackpropFilter(
          view(be, x),
          view(be, dy),
          view(be, out),
          depthwiseShape(info),
        ),
      );
    },
  },
  {
    // tfjs-wasm's FusedBatchNorm is a scalar loop; this is one vectorised multiply-add per value.
    name: tf.FusedBatchNorm,
    run: (blas, be, { inputs, attrs }) => {
      const { x, mean, variance, offset, scale } = inputs as tf.FusedBatchNormInputs;
      const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
      if (x === undefined || mean === undefined || variance === undefined) return undefined;
      if (!allFloat(x, mean, variance, offset, scale) || x.shape.length === 0) return undefined;
      const channels = x.shape[x.shape.length - 1];
      const params = [mean, variance, offset, scale];
      if (!params.every((p) => perChannelBias(p, channels))) return undefined;
      if (!nonEmpty(x.shape)) return undefined;
      const out = be.makeOutput(x.shape, 'float32');
      return fill(be, out, () =>
        blas.batchNorm(
          view(be, x),
          view(be, mean),
          view(be, variance),
          offset === undefined ? null : view(be, offset),
          scale === undefined ? null : view(be, scale),
          view(be, out),
          channels,
          varianceEpsilon,
        ),
      );
    },
  },
  { name: tf.Sum, run: reduceLeading(false) },
  { name: tf.Mean, run: reduceLeading(true) },
  { name: tf.BatchMatMul, run: matMul(false) },
  { name: tf._FusedMatMul, run: matMul(true) },
];

/** Sum or Mean over leading axes (e.g. [0, 1, 2] of NHWC): one pass over the rows. */
function reduceLeading(mean: boolean): NativeKernel['run'] {
  return (blas, be, { inputs, attrs }) => {
    const { x } = inputs as tf.SumInputs;
    const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
    if (x === undefined || x.dtype !== 'float32' || !nonEmpty(x.shape)) return undefined;
    const rows = leadingSize(x.shape, axis);
    if (rows === undefined) return undefined;
    const reduced = tf.util.parseAxisParam(axis, x.shape).length;
    const rest = x.shape.slice(reduced);
    const outShape = keepDims ? [...new Array<number>(reduced).fill(1), ...rest] : rest;
    const out = be.makeOutput(outShape, 'float32');
    const cols = tf.util.sizeFromShape(rest);
    return fill(be, out, () =>
      blas.sumRows(view(be, x), view(be, out), rows, cols, mean ? 1 / rows : 1),
    );
  };
}

function matMul(fused: boolean): NativeKernel['run'] {
  return (blas, be, { inputs, attrs }) => {
    const { a, b, bias, preluActivationWeights } = inputs as tf._FusedMatMulInputs;
    const at = attrs as unknown as tf._FusedMatMulAttrs;
    if (!allFloat(a, b, bias) || a.shape.length < 2 || b.shape.length < 2) return undefined;
    const { transposeA, transposeB } = at;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    // k ≠ kb: the original kernel throws tfjs's own message.
    if (k !== kb) return undefined;
    const batchShapeA = a.shape.slice(0, -2);
    const batchShapeB = b.shape.slice(0, -2);
    const batchA = tf.util.sizeFromShape(batchShapeA);
    const batchB = tf.util.sizeFromShape(batchShapeB);
    // One batch per product: equal batch shapes, or one side not batched (broadcast).
    if (batchA > 1 && batchB > 1 && !tf.util.arraysEqual(batchShapeA, batchShapeB))
      return undefined;
    const fn = activationOf(fused, at.activation, preluActivationWeights, n);
    if (fn === undefined || !perChannelBias(bias, n)) return undefined;
    const { act } = fn;
    const outShape = [
      ...tf.broadcast_util.assertAndGetBroadcastShape(batchShapeA, batchShapeB),
      m,
      n,
    ];
    if (k === 0 && bias === undefined && nonEmpty(outShape)) {
      // An empty sum: zeros (tfjs-wasm's kernel returns the heap's old contents here).
      const zeros = be.makeOutput(outShape, 'float32');
      view(be, zeros).fill(act === 5 ? 0.5 : 0); // sigmoid(0), every other activation's 0
      return zeros;
    }
    if (!nonEmpty(a.shape, b.shape)) return undefined;
    const out = be.makeOutput(outShape, 'float32');
    const batch = Math.max(batchA, batchB);
    // b shared and a untransposed: a's matrices are one tall [batch·m, k] matrix, one product.
    const shape =
      batchB === 1 && !transposeA
        ? [1, batch * m, n, k, 0, transposeB ? 1 : 0, 0, 0]
        : [
            batch,
            m,
            n,
            k,
            transposeA ? 1 : 0,
            transposeB ? 1 : 0,
            batchA === 1 ? 0 : m * k,
            batchB === 1 ? 0 : k * n,
          ];
    return fill(
      be,
      out,
      thenPrelu(blas, be, out, fn.prelu, () =>
        blas.matmul(
          view(be, a),
          view(be, b),
          view(be, out),
          shape,
          bias === undefined ? null : view(be, bias),
          act,
          at.leakyreluAlpha ?? 0.2,
        ),
      ),
    );
  };
}

/**
 * Calls per kernel name (for tests and profiling): native, run on a native library (handedOn of
 * them on the next library, after the first declined); fallback, handed to the kernel before.
 */
export interface KernelCalls {
  native: number;
  handedOn: number;
  fallback: number;
}

const calls = new Map<string, KernelCalls>(
  KERNELS.map((k) => [k.name, { native: 0, handedOn: 0, fallback: 0 }]),
);

/** A snapshot of the per-kernel call counts since the process started. */
export function nativeKernelCalls(): Record<string, KernelCalls> {
  return Object.fromEntries([...calls].map(([name, c]) => [name, { ...c }]));
}

/** The library after the first, loaded on first use (undefined: none, wasm is next). */
export type NextLibrary = () => NativeBlas | undefined;

/** What registerNativeKernels put in the registry, and what it shadows. */
const installed = new Map<
  string,
  { config: tf.KernelConfig; previous: tf.KernelConfig; blas: NativeBlas; next?: NextLibrary }
>();

/**
 * Register the native kernels of `blas` on the wasm backend over whatever is registered now
 * (exprsim's training kernels must come first: they are the fallback). A case `blas` declines
 * goes to `next()`'s kernel when it gives one, then to the fallback. Idempotent; called with
 * another library, that one replaces the first (over the same fallback). Returns the names.
 */
export function registerNativeKernels(blas: NativeBlas, next?: NextLibrary): string[] {
  const names: string[] = [];
  for (const k of KERNELS) {
    if (k.needs !== undefined && blas[k.needs] === undefined) continue;
    const current = tf.getKernel(k.name, BACKEND);
    if (current === undefined) continue; // nothing to fall back on: leave the name alone
    const mine = installed.get(k.name);
    const ours = mine !== undefined && current === mine.config;
    if (ours && mine.blas === blas && mine.next === next) {
      names.push(k.name);
      continue;
    }
    const previous = ours ? mine.previous : current;
    const count = calls.get(k.name) as KernelCalls;
    const config: tf.KernelConfig = {
      kernelName: k.name,
      backendName: BACKEND,
      setupFunc: previous.setupFunc,
      kernelFunc: (args) => {
        const be = args.backend as WasmBackend;
        const out = k.run(blas, be, args);
        if (out !== undefined) {
          count.native++;
          return out;
        }
        // The same checks run again on the next library's surface (they are cheap): a case
        // outside that surface fails them there too, and goes to the fallback.
        const second = next?.();
        const handed = second === undefined ? undefined : k.run(second, be, args);
        if (handed !== undefined) {
          count.native++;
          count.handedOn++;
          return handed;
        }
        count.fallback++;
        return previous.kernelFunc(args);
      },
    };
    tf.unregisterKernel(k.name, BACKEND);
    tf.registerKernel(config);
    installed.set(k.name, { config, previous, blas, next });
    names.push(k.name);
  }
  return names;
}

/** Put back the kernels the native ones shadowed. */
export function unregisterNativeKernels(): void {
  for (const [name, { config, previous }] of installed) {
    if (tf.getKernel(name, BACKEND) !== config) continue;
    tf.unregisterKernel(name, BACKEND);
    tf.registerKernel(previous);
  }
  installed.clear();
}
