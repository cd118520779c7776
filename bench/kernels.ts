/**
 * The wasm training kernels (src/engine/kernels) against tfjs-wasm 4.22's own, on the shapes of
 * the reference head (batch 96 at 12x12): medians over repeated runs, in milliseconds. Prints one
 * JSON line (bench/run.ts reads the last line of stdout).
 *
 *   node --import tsx bench/kernels.ts [--quick] [--runs N]
 *
 * wasm executes kernels synchronously on the calling thread, so a kernel's wall time is the time
 * to its return; results are not read back (that would add a copy out of the wasm heap).
 */
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import {
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
} from '../src/engine/kernels/index.js';
import { timeRuns, type Timing } from './stats.js';
import { arg, quick } from './args.js';

const runs = Number(arg('runs', quick ? '3' : '7'));
// The naive originals take ~0.7 s a call on these shapes: fewer repetitions keep this < 1 min.
const slowRuns = Math.max(3, Math.min(runs, 5));

await tf.setBackend('wasm');
await tf.ready();

const ms = (t: Timing) => Math.round(t.median * 1e4) / 10;
const speedup = (orig: number | null, ours: number) =>
  orig === null ? null : Math.round((orig / ours) * 10) / 10;

/** Median ms of `fn` (which returns tensors to dispose), or null and the reason if it throws. */
async function time(
  fn: () => tf.Tensor | tf.Tensor[],
  n: number,
): Promise<{ ms: number | null; error?: string }> {
  try {
    const t = await timeRuns(() => tf.dispose(fn()), n, 1);
    return { ms: ms(t) };
  } catch (e) {
    return { ms: null, error: (e as Error).message.split('\n')[0] };
  }
}

async function convBench(
  xShape: [number, number, number, number],
  k: number,
  cout: number,
  stride: number,
) {
  const cin = xShape[3];
  const x = tf.randomNormal(xShape, 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([k, k, cin, cout], 0, 0.05, 'float32', 2) as tf.Tensor4D;
  const y = tf.conv2d(x, w, stride, 'same');
  const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3) as tf.Tensor4D;
  y.dispose();
  const attrs = { strides: stride, pad: 'same', dataFormat: 'NHWC' };
  const backpropInput = () =>
    tf
      .engine()
      .runKernel(
        'Conv2DBackpropInput',
        { dy, filter: w },
        { ...attrs, inputShape: xShape },
      ) as tf.Tensor;
  const backpropFilter = () =>
    tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        { ...attrs, filterShape: w.shape },
      ) as tf.Tensor;
  // Both gradients through the public API, as training does.
  const grads = () =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'same'), dy)),
    )([x, w]);

  registerWasmTrainingKernels();
  const forward = await time(() => tf.conv2d(x, w, stride, 'same'), runs);
  const oursInput = await time(backpropInput, runs);
  const oursFilter = await time(backpropFilter, runs);
  const oursGrads = await time(grads, runs);
  unregisterWasmTrainingKernels();
  const origInput = await time(backpropInput, slowRuns);
  const origFilter = await time(backpropFilter, 1);
  const origGrads = await time(grads, 1);
  tf.dispose([x, w, dy]);
  return {
    x: xShape,
    filter: [k, k, cin, cout],
    stride,
    pad: 'same',
    forwardMs: forward.ms,
    backpropInput: {
      originalMs: origInput.ms,
      oursMs: oursInput.ms,
      speedup: speedup(origInput.ms, oursInput.ms!),
    },
    backpropFilter: {
      originalMs: origFilter.ms,
      original: origFilter.error ?? 'ok',
      oursMs: oursFilter.ms,
    },
    grads: { originalMs: origGrads.ms, original: origGrads.error ?? 'ok', oursMs: oursGrads.ms },
  };
}

async function matMulBench(m: number, k: number, n: number) {
  const aT = tf.randomNormal([k, m], 0, 1, 'float32', 4); // used as aᵀ
  const bT = tf.randomNormal([n, k], 0, 1, 'float32', 5); // used as bᵀ
  const a = tf.randomNormal([m, k], 0, 1, 'float32', 6);
  const b = tf.randomNormal([k, n], 0, 1, 'float32', 7);
  const cases = {
    transposeA: () => tf.matMul(aT, b, true, false),
    transposeB: () => tf.matMul(a, bT, false, true),
  };
  const out: Record<string, unknown> = { m, k, n };
  out.plainMs = (await time(() => tf.matMul(a, b), runs)).ms;
  for (const [name, f] of Object.entries(cases)) {
    registerWasmTrainingKernels();
    const ours = await time(f, runs);
    unregisterWasmTrainingKernels();
    const orig = await time(f, slowRuns);
    out[name] = { originalMs: orig.ms, oursMs: ours.ms, speedup: speedup(orig.ms, ours.ms!) };
  }
  tf.dispose([aT, bT, a, b]);
  return out;
}

async function tileBench(shape: number[], reps: number[], dtype: 'float32' | 'int32') {
  const x =
    dtype === 'float32'
      ? tf.randomNormal(shape, 0, 1, 'float32', 8)
      : tf.randomUniform(shape, 0, 100, 'int32', 9);
  registerWasmTrainingKernels();
  const ours = await time(() => tf.tile(x, reps), runs);
  unregisterWasmTrainingKernels();
  const orig = await time(() => tf.tile(x, reps), slowRuns);
  x.dispose();
  return {
    shape,
    reps,
    dtype,
    originalMs: orig.ms,
    oursMs: ours.ms,
    speedup: speedup(orig.ms, ours.ms!),
  };
}

const loadBefore = loadavg()[0];
const result = {
  backend: 'wasm',
  simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
  threads: getThreadsCount(),
  runs,
  slowRuns,
  conv3x3: await convBench([96, 12, 12, 128], 3, 32, 1),
  conv1x1: await convBench([96, 12, 12, 256], 1, 128, 1),
  conv3x3Stride2: await convBench([96, 12, 12, 128], 3, 64, 2),
  matMul: await matMulBench(512, 1024, 512),
  tileBatchNorm: await tileBench([1, 1, 1, 128], [96, 12, 12, 1], 'float32'),
  tileInt32: await tileBench([64, 1, 32], [1, 16, 2], 'int32'),
};
registerWasmTrainingKernels();
// The machine may be shared: a 1-minute load average above the core count inflates the times.
const load = { before: round2(loadBefore), after: round2(loadavg()[0]) };
process.stdout.write(`${JSON.stringify({ ...result, loadAverage1m: load })}\n`);

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
