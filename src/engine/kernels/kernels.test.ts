/**
 * The wasm training kernels against the cpu backend (the reference), one process, both backends:
 * tensors are made from plain arrays on whichever backend is active.
 *
 * Scale: inputs are N(0, 1) and the "other" operand is scaled by 1/sqrt(fan-in of the output)
 * (dy by 1/sqrt(N·oh·ow) for dW, the filter by 1/sqrt(kh·kw·Cout) for dx, 1/sqrt(K) for matMul),
 * so every output is O(1) and an absolute tolerance of 1e-4 means ~1e-4 relative. float32
 * summation-order differences are then ~1e-6.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  planTile,
  planConcatTile,
  tileStrategy,
  MAX_BROADCAST_RANK,
} from './index.js';
import { mulberry32 } from '../../core/prng.js';

tf.env().set('PROD', true); // no "already registered" / debug chatter
await tf.setBackend('wasm');
await tf.ready();
const names = registerWasmTrainingKernels();

// ---------------------------------------------------------------------------------------------
// helpers

// Seeded (mulberry32), so the random cases are the same on every run.
const rand = mulberry32(20240607);
const randInt = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

function normal(shape: number[], scale = 1): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(rand(), 1e-12);
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  }
  return out;
}

interface Arr {
  shape: number[];
  dtype: tf.DataType;
  values: Float32Array | Int32Array | Uint8Array | string[];
}
const f32 = (shape: number[], scale = 1): Arr => ({
  shape,
  dtype: 'float32',
  values: normal(shape, scale),
});

interface Result {
  shape: number[];
  values: Float32Array | Int32Array | Uint8Array | string[];
}

/** Run a kernel through the engine on `backend`, from plain arrays, and read the output back. */
async function runKernelOn(
  backend: string,
  kernel: string,
  inputs: Record<string, Arr>,
  attrs: object,
): Promise<Result> {
  await tf.setBackend(backend);
  const ts: Record<string, tf.Tensor> = {};
  for (const [k, a] of Object.entries(inputs)) ts[k] = tf.tensor(a.values, a.shape, a.dtype);
  const out = tf.engine().runKernel(kernel, ts, attrs as tf.NamedAttrMap) as tf.Tensor;
  const r = { shape: out.shape.slice(), values: out.dataSync() as Result['values'] };
  tf.dispose([out, ...Object.values(ts)]);
  return r;
}

type Values = ArrayLike<number> | string[];
function maxAbs(a: Values): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(Number(a[i])));
  return m;
}
function maxAbsDiff(a: Values, b: Values): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(Number(a[i]) - Number(b[i])));
  return m;
}

/** Largest errors seen, printed at the end for the record. */
const worst: Record<string, { err: number; mag: number; what: string }> = {};
function record(kind: string, err: number, mag: number, what: string) {
  if (!(kind in worst) || err > worst[kind].err) worst[kind] = { err, mag, what };
}
after(() => {
  for (const [k, v] of Object.entries(worst)) {
    console.log(
      `max error ${k}: ${v.err.toExponential(2)} (output magnitude ${v.mag.toFixed(2)}) at ${v.what}`,
    );
  }
});

// ---------------------------------------------------------------------------------------------
// registration

test('registration is idempotent and reversible', () => {
  assert.deepEqual(names, [
    'Conv2DBackpropFilter',
    'Conv2DBackpropInput',
    'DepthwiseConv2dNativeBackpropFilter',
    'DepthwiseConv2dNativeBackpropInput',
    'Sum',
    'Mean',
    'Tile',
    'BatchMatMul',
    'Identity',
    'SplitV',
  ]);
  const ours = names.map((n) => tf.getKernel(n, 'wasm'));
  assert.deepEqual(registerWasmTrainingKernels(), names);
  names.forEach((n, i) => assert.equal(tf.getKernel(n, 'wasm'), ours[i], `${n} re-registered`));

  unregisterWasmTrainingKernels();
  assert.equal(
    tf.getKernel('Conv2DBackpropFilter', 'wasm'),
    undefined,
    'wasm has no Conv2DBackpropFilter of its own',
  );
  for (const n of ['Conv2DBackpropInput', 'Tile', 'BatchMatMul']) {
    const orig = tf.getKernel(n, 'wasm');
    assert.ok(orig !== undefined && orig !== ours[names.indexOf(n)], `${n} original restored`);
  }
  unregisterWasmTrainingKernels(); // no-op the second time

  registerWasmTrainingKernels();
  names.forEach((n) => assert.notEqual(tf.getKernel(n, 'wasm'), undefined));
});

// ---------------------------------------------------------------------------------------------
// convolutions

type Pad =
  | 'same'
  | 'valid'
  | number
  | [[number, number], [number, number], [number, number], [number, number]];
interface ConvCase {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: [number, number];
  s: [number, number];
  pad: Pad;
  format?: 'NHWC' | 'NCHW';
  round?: 'floor' | 'round' | 'ceil';
}
const label = (c: ConvCase) =>
  `x[${c.n},${c.h},${c.w},${c.cin}] k${c.k.join('x')} cout${c.cout} s${c.s.join(',')} pad ${JSON.stringify(c.pad)}` +
  `${c.format === 'NCHW' ? ' NCHW' : ''}${c.round ? ` ${c.round}` : ''}`;

const fixedCases: ConvCase[] = [
  { n: 2, h: 7, w: 9, cin: 5, cout: 4, k: [3, 3], s: [1, 1], pad: 'same' },
  { n: 2, h: 7, w: 9, cin: 5, cout: 4, k: [3, 3], s: [2, 2], pad: 'same' },
  { n: 1, h: 8, w: 8, cin: 3, cout: 6, k: [3, 3], s: [2, 2], pad: 'valid' },
  { n: 1, h: 9, w: 11, cin: 3, cout: 6, k: [3, 3], s: [1, 1], pad: 'valid' },
  { n: 3, h: 5, w: 6, cin: 4, cout: 7, k: [1, 1], s: [1, 1], pad: 'same' },
  { n: 3, h: 5, w: 7, cin: 4, cout: 7, k: [1, 1], s: [2, 2], pad: 'valid' },
  { n: 1, h: 9, w: 9, cin: 6, cout: 3, k: [1, 1], s: [2, 2], pad: 'same' },
  { n: 2, h: 11, w: 10, cin: 3, cout: 4, k: [5, 5], s: [2, 2], pad: 'same' },
  { n: 2, h: 9, w: 9, cin: 3, cout: 2, k: [7, 7], s: [1, 1], pad: 'valid' },
  { n: 1, h: 15, w: 13, cin: 3, cout: 8, k: [7, 7], s: [2, 2], pad: 'same' },
  { n: 2, h: 10, w: 10, cin: 3, cout: 2, k: [4, 4], s: [3, 3], pad: 'same' },
  { n: 2, h: 7, w: 8, cin: 3, cout: 4, k: [3, 2], s: [1, 2], pad: 'same' },
  { n: 2, h: 9, w: 9, cin: 3, cout: 4, k: [3, 3], s: [2, 2], pad: 1 },
  { n: 1, h: 6, w: 6, cin: 2, cout: 3, k: [3, 3], s: [1, 1], pad: 3 }, // pad > k − 1: crops in dx
  { n: 2, h: 8, w: 7, cin: 3, cout: 4, k: [3, 3], s: [2, 2], pad: 1, round: 'ceil' }, // reads past the pad
  {
    n: 2,
    h: 8,
    w: 9,
    cin: 3,
    cout: 4,
    k: [3, 3],
    s: [2, 2],
    pad: [
      [0, 0],
      [2, 0],
      [1, 3],
      [0, 0],
    ],
  },
  {
    n: 2,
    h: 5,
    w: 6,
    cin: 3,
    cout: 4,
    k: [1, 1],
    s: [1, 1],
    pad: [
      [0, 0],
      [1, 1],
      [0, 2],
      [0, 0],
    ],
  },
  {
    n: 2,
    h: 7,
    w: 6,
    cin: 3,
    cout: 4,
    k: [1, 1],
    s: [2, 2],
    pad: [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 0],
    ],
  },
  { n: 2, h: 11, w: 9, cin: 3, cout: 2, k: [2, 2], s: [3, 3], pad: 'same' }, // phases without taps
  { n: 2, h: 7, w: 9, cin: 5, cout: 4, k: [3, 3], s: [2, 2], pad: 'same', format: 'NCHW' },
  { n: 4, h: 12, w: 12, cin: 32, cout: 16, k: [3, 3], s: [1, 1], pad: 'same' }, // longer reductions
  { n: 4, h: 12, w: 12, cin: 32, cout: 16, k: [1, 1], s: [1, 1], pad: 'valid' },
];
const randomCases: ConvCase[] = [];
while (randomCases.length < 16) {
  const kk = pick([1, 1, 2, 3, 3, 5]);
  const c: ConvCase = {
    n: randInt(1, 3),
    h: randInt(3, 12),
    w: randInt(3, 12),
    cin: randInt(1, 8),
    cout: randInt(1, 8),
    k: [kk, kk],
    s: pick([
      [1, 1],
      [2, 2],
      [3, 3],
      [1, 2],
    ] as [number, number][]),
    pad: pick(['same', 'valid'] as const),
  };
  if (c.pad === 'valid' && (c.h < kk || c.w < kk)) continue;
  randomCases.push(c);
}

function convInfo(c: ConvCase) {
  const xShape: [number, number, number, number] =
    c.format === 'NCHW' ? [c.n, c.cin, c.h, c.w] : [c.n, c.h, c.w, c.cin];
  const wShape: [number, number, number, number] = [c.k[0], c.k[1], c.cin, c.cout];
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    wShape,
    c.s,
    1,
    c.pad,
    c.round,
    false,
    c.format === 'NCHW' ? 'channelsFirst' : 'channelsLast',
  );
  return { xShape, wShape, info };
}

async function checkConvCase(c: ConvCase): Promise<void> {
  const { xShape, wShape, info } = convInfo(c);
  const attrs = {
    strides: c.s,
    pad: c.pad,
    dataFormat: c.format ?? 'NHWC',
    dimRoundingMode: c.round,
  };
  const x = f32(xShape);
  const dyForW = f32(info.outShape, 1 / Math.sqrt(c.n * info.outHeight * info.outWidth));
  const dyForX = f32(info.outShape);
  const filter = f32(wShape, 1 / Math.sqrt(c.k[0] * c.k[1] * c.cout));

  const fAttrs = { ...attrs, filterShape: wShape };
  const dwRef = await runKernelOn('cpu', 'Conv2DBackpropFilter', { x, dy: dyForW }, fAttrs);
  const dw = await runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy: dyForW }, fAttrs);
  assert.deepEqual(dw.shape, wShape);
  const ew = maxAbsDiff(dw.values, dwRef.values);
  record('Conv2DBackpropFilter', ew, maxAbs(dwRef.values), label(c));
  assert.ok(ew < 1e-4, `dW error ${ew} for ${label(c)}`);

  const iAttrs = { ...attrs, inputShape: xShape };
  const dxRef = await runKernelOn('cpu', 'Conv2DBackpropInput', { dy: dyForX, filter }, iAttrs);
  const dx = await runKernelOn('wasm', 'Conv2DBackpropInput', { dy: dyForX, filter }, iAttrs);
  assert.deepEqual(dx.shape, xShape);
  const ex = maxAbsDiff(dx.values, dxRef.values);
  record('Conv2DBackpropInput', ex, maxAbs(dxRef.values), label(c));
  assert.ok(ex < 1e-4, `dx error ${ex} for ${label(c)}`);
}

test('Conv2DBackpropFilter and Conv2DBackpropInput match cpu: chosen cases', async () => {
  for (const c of fixedCases) await checkConvCase(c);
});

test('Conv2DBackpropFilter and Conv2DBackpropInput match cpu: seeded random cases', async () => {
  for (const c of randomCases) await checkConvCase(c);
});

test('tf.grads of conv2d on wasm (forward XNNPACK + our kernels) match cpu', async () => {
  const cases = fixedCases
    .filter((c) => c.format === undefined && c.round === undefined)
    .slice(0, 12);
  for (const c of cases) {
    const { xShape, wShape, info } = convInfo(c);
    const x = f32(xShape);
    const w = f32(wShape, 1 / Math.sqrt(c.k[0] * c.k[1] * c.cin));
    // loss = Σ y ⊙ r: dy = r, scaled so dW is O(1) (dx stays O(1) too: small filters).
    const r = f32(info.outShape, 1 / Math.sqrt(c.n * info.outHeight * info.outWidth));
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      const [tx, tw, tr] = [x, w, r].map((a) => tf.tensor(a.values as Float32Array, a.shape));
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad as 'same'), tr)),
      );
      const [gx, gw] = g([tx, tw]);
      const out = [gx.dataSync(), gw.dataSync()];
      tf.dispose([tx, tw, tr, gx, gw]);
      return out;
    };
    const [rx, rw] = await grads('cpu');
    const [gx, gw] = await grads('wasm');
    const e = Math.max(maxAbsDiff(gx, rx), maxAbsDiff(gw, rw));
    record('tf.grads(conv2d)', e, Math.max(maxAbs(rx), maxAbs(rw)), label(c));
    assert.ok(e < 1e-4, `grads error ${e} for ${label(c)}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Depthwise conv gradients

test('depthwise conv gradients match cpu (strides 1-2, same/valid, multiplier 1-2)', async () => {
  const cases: {
    n: number;
    h: number;
    w: number;
    c: number;
    m: number;
    k: number;
    s: number;
    d: number;
    pad: 'same' | 'valid';
  }[] = [
    { n: 2, h: 14, w: 14, c: 8, m: 1, k: 3, s: 2, d: 1, pad: 'same' },
    { n: 2, h: 7, w: 7, c: 16, m: 1, k: 3, s: 1, d: 1, pad: 'same' },
    { n: 1, h: 9, w: 6, c: 3, m: 2, k: 3, s: 1, d: 1, pad: 'valid' },
    { n: 3, h: 8, w: 8, c: 4, m: 1, k: 5, s: 3, d: 1, pad: 'same' },
  ];
  for (let i = 0; i < 6; i++) {
    cases.push({
      n: randInt(1, 3),
      h: randInt(5, 12),
      w: randInt(5, 12),
      c: randInt(1, 9),
      m: randInt(1, 2),
      k: pick([1, 2, 3]),
      s: pick([1, 2]),
      d: 1,
      pad: pick(['same', 'valid'] as const),
    });
  }
  for (const c of cases) {
    const xShape: [number, number, number, number] = [c.n, c.h, c.w, c.c];
    const wShape: [number, number, number, number] = [c.k, c.k, c.c, c.m];
    const info = tf.backend_util.computeConv2DInfo(
      xShape,
      wShape,
      c.s,
      c.d,
      c.pad,
      undefined,
      true,
    );
    const what = `${xShape.join('x')} k${c.k} m${c.m} s${c.s} d${c.d} ${c.pad}`;
    const attrs = { strides: c.s, dilations: c.d, pad: c.pad };
    const x = f32(xShape);
    const dy = f32(info.outShape, 1 / Math.sqrt(c.n * info.outHeight * info.outWidth));
    const filter = f32(wShape, 1 / Math.sqrt(c.k * c.k * c.m));
    const fAttrs = { ...attrs, filterShape: wShape };
    const fRef = await runKernelOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, fAttrs);
    const f = await runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, fAttrs);
    assert.deepEqual(f.shape, wShape);
    const ef = maxAbsDiff(f.values, fRef.values);
    record('DepthwiseConv2dNativeBackpropFilter', ef, maxAbs(fRef.values), what);
    assert.ok(ef < 1e-4, `dW error ${ef} for ${what}`);
    const iAttrs = { ...attrs, inputShape: xShape };
    const iRef = await runKernelOn(
      'cpu',
      'DepthwiseConv2dNativeBackpropInput',
      { dy, filter },
      iAttrs,
    );
    const iw = await runKernelOn(
      'wasm',
      'DepthwiseConv2dNativeBackpropInput',
      { dy, filter },
      iAttrs,
    );
    assert.deepEqual(iw.shape, xShape);
    const ei = maxAbsDiff(iw.values, iRef.values);
    record('DepthwiseConv2dNativeBackpropInput', ei, maxAbs(iRef.values), what);
    assert.ok(ei < 1e-4, `dx error ${ei} for ${what}`);
  }
});

test('tf.grads of separableConv2d on wasm match cpu', async () => {
  const x = f32([2, 14, 14, 8]);
  const dw = f32([3, 3, 8, 1], 1 / 3);
  const pw = f32([1, 1, 8, 12], 1 / Math.sqrt(8));
  const grads = async (backend: string) => {
    await tf.setBackend(backend);
    const [tx, tdw, tpw] = [x, dw, pw].map((a) => tf.tensor(a.values as Float32Array, a.shape));
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor, p: tf.Tensor) =>
      tf.sum(
        tf.square(
          tf.separableConv2d(a as tf.Tensor4D, b as tf.Tensor4D, p as tf.Tensor4D, 2, 'same'),
        ),
      ),
    );
    const gs = g([tx, tdw, tpw]);
    const out = gs.map((t) => t.dataSync());
    tf.dispose([tx, tdw, tpw, ...gs]);
    return out;
  };
  const ref = await grads('cpu');
  const got = await grads('wasm');
  for (let i = 0; i < 3; i++) {
    const e = maxAbsDiff(got[i], ref[i]) / Math.max(1, maxAbs(ref[i]));
    assert.ok(e < 1e-4, `separable grad ${i}: relative error ${e}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Tile

test('Tile strategies', () => {
  assert.equal(tileStrategy([1, 1, 1, 128], [96, 12, 12, 1], 'float32'), 'multiply');
  assert.equal(tileStrategy([1, 1, 1, 128], [96, 12, 12, 1], 'int32'), 'concat');
  assert.equal(tileStrategy([30, 1], [1, 300], 'int32'), 'concat'); // 30·(2·8 + 4) block copies
  assert.equal(tileStrategy([1000, 1], [1, 3], 'int32'), 'original'); // 4000 one-element blocks
  assert.equal(tileStrategy([2, 3], [1, 1], 'bool'), 'copy');
  assert.equal(tileStrategy([2, 3], [2, 2], 'string'), 'concat');
  assert.equal(tileStrategy([2, 3], [2, 2], 'complex64'), 'original');
  assert.equal(tileStrategy([], [], 'float32'), 'original');
  assert.equal(tileStrategy([2, 0], [2, 2], 'float32'), 'original');
  // A tiled axis absorbs the untiled ones after it; unit axes merge with what follows.
  assert.deepEqual(planConcatTile([1, 1, 1, 128], [96, 12, 12, 1]), {
    shape: [128],
    reps: [13824],
    blockCopies: 30,
  });
  assert.deepEqual(planConcatTile([4, 2, 3], [1, 5, 1]).shape, [4, 6]);
});

test('Tile plans stay within XNNPACK broadcast rank', () => {
  assert.deepEqual(planTile([2, 3], [1, 1]), []);
  assert.deepEqual(planTile([4, 1, 1, 8], [1, 5, 6, 1]), [
    { xShape: [4, 1, 8], onesShape: [1, 30, 1], outShape: [4, 5, 6, 8] },
  ]);
  const big = planTile([2, 3, 2, 3, 2], [2, 2, 2, 2, 2]);
  assert.ok(big.length > 1);
  for (const p of big) assert.ok(p.xShape.length <= MAX_BROADCAST_RANK);
});

test('Tile matches cpu exactly (float32, int32, bool, string; ranks 1-5)', async () => {
  const cases: {
    shape: number[];
    reps: number[];
    dtype: 'float32' | 'int32' | 'bool' | 'string';
  }[] = [
    { shape: [5], reps: [3], dtype: 'float32' },
    { shape: [1], reps: [7], dtype: 'int32' },
    { shape: [3, 4], reps: [1, 1], dtype: 'float32' },
    { shape: [3, 4], reps: [2, 3], dtype: 'int32' },
    { shape: [1, 1, 1, 6], reps: [4, 5, 3, 1], dtype: 'float32' }, // batch-norm style broadcast
    { shape: [2, 3, 2, 3, 2], reps: [2, 2, 2, 2, 2], dtype: 'float32' }, // needs several passes
    { shape: [2, 3, 2, 3, 2], reps: [3, 1, 2, 1, 2], dtype: 'int32' },
    { shape: [2, 3], reps: [7, 5], dtype: 'bool' },
    { shape: [3, 1, 2], reps: [1, 13, 1], dtype: 'bool' },
    { shape: [1, 1, 1, 6], reps: [4, 5, 3, 1], dtype: 'int32' }, // concat by doubling
    { shape: [4, 2, 3], reps: [3, 1, 300], dtype: 'int32' },
    { shape: [30, 1], reps: [1, 300], dtype: 'int32' },
    { shape: [1000, 1], reps: [1, 3], dtype: 'int32' }, // original kernel
    { shape: [2, 3], reps: [1, 1], dtype: 'int32' },
    { shape: [2, 3], reps: [1, 1], dtype: 'string' },
    { shape: [2, 1, 3], reps: [2, 3, 2], dtype: 'string' }, // the original kernel aborts on strings
  ];
  while (cases.length < 40) {
    const rank = randInt(1, 5);
    cases.push({
      shape: Array.from({ length: rank }, () => randInt(1, 4)),
      reps: Array.from({ length: rank }, () => randInt(1, 3)),
      dtype: pick(['float32', 'int32', 'bool'] as const),
    });
  }
  for (const c of cases) {
    const size = c.shape.reduce((a, b) => a * b, 1);
    const values =
      c.dtype === 'float32'
        ? normal(c.shape)
        : c.dtype === 'int32'
          ? Int32Array.from({ length: size }, () => randInt(-1000, 1000))
          : c.dtype === 'bool'
            ? Uint8Array.from({ length: size }, () => randInt(0, 1))
            : Array.from({ length: size }, () => `s${randInt(0, 99)}`);
    const x: Arr = { shape: c.shape, dtype: c.dtype, values };
    const ref = await runKernelOn('cpu', 'Tile', { x }, { reps: c.reps });
    const got = await runKernelOn('wasm', 'Tile', { x }, { reps: c.reps });
    assert.deepEqual(got.shape, ref.shape, `shape for ${JSON.stringify(c)}`);
    assert.deepEqual(
      Array.from(got.values as ArrayLike<unknown>),
      Array.from(ref.values as ArrayLike<unknown>),
      `values for ${JSON.stringify(c)}`,
    );
  }
  record('Tile', 0, 1, 'all cases exact');
});

test('Tile keeps -0, Inf and NaN', async () => {
  await tf.setBackend('wasm');
  const x = tf.tensor1d([-0, Infinity, -Infinity, NaN, 1.5]);
  const y = tf.tile(x, [2]);
  const v = Array.from(y.dataSync());
  assert.ok(Object.is(v[5], -0));
  assert.deepEqual(v.slice(6), [Infinity, -Infinity, NaN, 1.5]);
  tf.dispose([x, y]);
});

// ---------------------------------------------------------------------------------------------
// BatchMatMul

test('BatchMatMul with and without transposes matches cpu (ranks 2-4, batched, broadcast)', async () => {
  const shapes: { batchA: number[]; batchB: number[]; m: number; k: number; n: number }[] = [
    { batchA: [], batchB: [], m: 7, k: 5, n: 3 },
    { batchA: [], batchB: [], m: 33, k: 70, n: 17 },
    { batchA: [3], batchB: [3], m: 4, k: 6, n: 5 },
    { batchA: [2], batchB: [1], m: 5, k: 9, n: 2 }, // broadcast batch
    { batchA: [2, 3], batchB: [2, 3], m: 3, k: 8, n: 6 },
    // Big enough for one XNNPACK product per matrix (m·n·k ≥ 32³):
    { batchA: [3], batchB: [3], m: 32, k: 40, n: 33 },
    { batchA: [], batchB: [4], m: 33, k: 34, n: 30 }, // a broadcast over b's batch
    { batchA: [2, 2], batchB: [2, 2], m: 40, k: 32, n: 32 },
    { batchA: [2, 3], batchB: [], m: 20, k: 16, n: 9 }, // b broadcast: one [12·20, 16] product
  ];
  for (const s of shapes) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      const aShape = [...s.batchA, ...(ta ? [s.k, s.m] : [s.m, s.k])];
      const bShape = [...s.batchB, ...(tb ? [s.n, s.k] : [s.k, s.n])];
      const a = f32(aShape);
      const b = f32(bShape, 1 / Math.sqrt(s.k));
      const attrs = { transposeA: ta, transposeB: tb };
      const ref = await runKernelOn('cpu', 'BatchMatMul', { a, b }, attrs);
      const got = await runKernelOn('wasm', 'BatchMatMul', { a, b }, attrs);
      assert.deepEqual(got.shape, ref.shape);
      const e = maxAbsDiff(got.values, ref.values);
      const what = `a${JSON.stringify(aShape)} b${JSON.stringify(bShape)} tA=${ta} tB=${tb}`;
      record('BatchMatMul', e, maxAbs(ref.values), what);
      assert.ok(e < 1e-4, `error ${e} for ${what}`);
    }
  }
});

test('Sum and Mean over leading axes (and others, delegated) match cpu', async () => {
  const cases: { shape: number[]; axis: number[]; keepDims: boolean }[] = [
    { shape: [6, 5, 7, 9], axis: [0, 1, 2], keepDims: false }, // the batch-norm gradient case
    { shape: [6, 5, 7, 9], axis: [0, 1, 2], keepDims: true },
    { shape: [200, 3], axis: [0], keepDims: false },
    { shape: [4, 30, 5], axis: [1, 0], keepDims: false }, // unsorted leading axes
    { shape: [6, 5, 7, 9], axis: [-4, -3], keepDims: true }, // negative axes
    { shape: [6, 5, 7, 9], axis: [1, 2], keepDims: false }, // not leading: original kernel
    { shape: [6, 5, 7, 9], axis: [3], keepDims: false },
    { shape: [6, 5, 7, 9], axis: [0, 1, 2, 3], keepDims: false }, // all axes
    { shape: [3, 4, 2], axis: [0, 1], keepDims: false }, // too small for the product
  ];
  for (const c of cases) {
    for (const kernel of ['Sum', 'Mean']) {
      const x = f32(c.shape);
      const attrs = { axis: c.axis, keepDims: c.keepDims };
      const ref = await runKernelOn('cpu', kernel, { x }, attrs);
      const got = await runKernelOn('wasm', kernel, { x }, attrs);
      assert.deepEqual(got.shape, ref.shape);
      const e = maxAbsDiff(got.values, ref.values);
      const what = `${kernel} ${JSON.stringify(c)}`;
      record('Sum/Mean', e, maxAbs(ref.values), what);
      assert.ok(e < 1e-4, `error ${e} for ${what}`);
    }
  }
  // int32 goes to the original kernel and stays exact.
  const xi: Arr = {
    shape: [100, 3],
    dtype: 'int32',
    values: Int32Array.from({ length: 300 }, (_, i) => i),
  };
  const si = await runKernelOn('wasm', 'Sum', { x: xi }, { axis: [0], keepDims: false });
  assert.deepEqual(Array.from(si.values as Int32Array), [14850, 14950, 15050]);
});

// ---------------------------------------------------------------------------------------------
// memory

test('no leaks, inputs untouched, outputs owned by the caller', async () => {
  await tf.setBackend('wasm');
  // The engine's own per-kernel check: throws if a kernel leaves extra data ids behind.
  tf.env().set('IS_TEST', true);
  const backend = tf.engine().backend;
  const x = tf.tensor(normal([2, 7, 9, 5]), [2, 7, 9, 5]) as tf.Tensor4D;
  const w3 = tf.tensor(normal([3, 3, 5, 4], 0.2), [3, 3, 5, 4]) as tf.Tensor4D;
  const w1 = tf.tensor(normal([1, 1, 5, 4], 0.2), [1, 1, 5, 4]) as tf.Tensor4D;
  const a = tf.tensor(normal([6, 4]), [6, 4]);
  const b = tf.tensor(normal([6, 3]), [6, 3]);
  const c = tf.tensor(normal([3, 6]), [3, 6]);
  const ti = tf.tensor([1, 2, 3], [3, 1], 'int32');
  const dy2 = tf.tensor(normal([2, 4, 5, 4]), [2, 4, 5, 4]);
  const big = tf.tensor(normal([2, 40, 40]), [2, 40, 40]);
  const sq = tf.tensor(normal([40, 40]), [40, 40]);
  const ts = tf.tensor([['a', 'b']], [1, 2], 'string');
  const runs: Record<string, () => tf.Tensor | tf.Tensor[]> = {
    conv3x3s1: () =>
      tf.grads((p: tf.Tensor, q: tf.Tensor) =>
        tf.sum(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, 'same')),
      )([x, w3]),
    conv3x3s2: () =>
      tf.grads((p: tf.Tensor, q: tf.Tensor) =>
        tf.sum(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 2, 'valid')),
      )([x, w3]),
    conv1x1s1: () =>
      tf.grads((p: tf.Tensor, q: tf.Tensor) =>
        tf.sum(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, 'same')),
      )([x, w1]),
    conv1x1s2: () =>
      tf.grads((p: tf.Tensor, q: tf.Tensor) =>
        tf.sum(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 2, 'same')),
      )([x, w1]),
    tile: () => tf.tile(a, [2, 3]),
    tileInt: () => tf.tile(ti, [2, 4]),
    tileIdentity: () => tf.tile(a, [1, 1]),
    tileString: () => tf.tile(ts, [2, 3]),
    matMulTA: () => tf.matMul(a, b, true, false),
    matMulTB: () => tf.matMul(b, b, false, true),
    matMulTT: () => tf.matMul(a, c, true, true),
    // Straight through the engine, outside any op's scope: nothing else would clean up after us.
    rawFilter: () =>
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x, dy: dy2 },
          { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 5, 4] },
        ) as tf.Tensor,
    rawTile: () => tf.engine().runKernel('Tile', { x: a }, { reps: [2, 3] }) as tf.Tensor,
    rawMatMul: () =>
      tf
        .engine()
        .runKernel('BatchMatMul', { a, b }, { transposeA: true, transposeB: false }) as tf.Tensor,
    batchedMatMul: () => tf.matMul(big, big, false, true),
    broadcastMatMul: () => tf.matMul(big, sq, true, true),
    sumLeading: () => tf.sum(big, [0, 1]),
    meanLeading: () => tf.mean(big, [0, 1], true),
  };
  const inputs = [x, w3, w1, a, b, c, ti, dy2, big, sq, ts];
  const refCounts = () => inputs.map((t) => backend.refCount(t.dataId));
  const rc0 = refCounts();
  for (const [name, run] of Object.entries(runs)) {
    tf.dispose(run()); // warm-up (first calls may allocate XNNPACK operators, not tensors)
    const before = { tensors: tf.memory().numTensors, ids: backend.numDataIds() };
    for (let i = 0; i < 4; i++) tf.dispose(run());
    const after = { tensors: tf.memory().numTensors, ids: backend.numDataIds() };
    assert.deepEqual(after, before, `${name} leaks`);
    // Inside tidy too (intermediates are tracked by the active scope while a kernel runs).
    const kept = tf.tidy(() => run());
    tf.dispose(kept);
    assert.deepEqual(
      { tensors: tf.memory().numTensors, ids: backend.numDataIds() },
      before,
      `${name} leaks in tidy`,
    );
  }
  assert.deepEqual(refCounts(), rc0, 'input reference counts unchanged');

  // Outputs must own their data: they survive the inputs (and a tidy) being disposed.
  const xc = x.clone();
  const [gx, gw] = tf.tidy(() =>
    tf.grads((p: tf.Tensor, q: tf.Tensor) =>
      tf.sum(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 2, 'same')),
    )([xc, w3]),
  );
  const ac = a.clone();
  const tiled = tf.tidy(() => tf.tile(ac, [1, 1]));
  const prod = tf.tidy(() => tf.matMul(ac, b, true, false));
  const expect = [
    gx.dataSync().slice(),
    gw.dataSync().slice(),
    tiled.dataSync().slice(),
    prod.dataSync().slice(),
  ];
  tf.dispose([xc, ac]);
  tf.dispose(tf.randomNormal([4096])); // reuse freed memory, if any was wrongly freed
  assert.deepEqual([gx.dataSync(), gw.dataSync(), tiled.dataSync(), prod.dataSync()], expect);
  tf.dispose([gx, gw, tiled, prod, ...inputs]);
  tf.env().set('IS_TEST', false);
});

test('Identity shares the data (no copy) and each holder keeps it alive', async () => {
  await tf.setBackend('wasm');
  const x = tf.tensor([1, 2, 3, 4], [2, 2]);
  const buffers = tf.memory().numDataBuffers;
  const y = tf.clone(x); // the Identity kernel
  assert.equal(tf.memory().numDataBuffers, buffers, 'no new buffer');
  assert.equal(y.dataId, x.dataId);
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4], 'the clone outlives the original');
  const v = tf.variable(y);
  v.assign(tf.tensor([5, 6, 7, 8], [2, 2]));
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4], "a variable's assign leaves it alone");
  const s = tf.clone(tf.tensor(['a', 'b']));
  assert.deepEqual(s.dataSync(), ['a', 'b']);
  tf.dispose([y, v, s]);
});

test('SplitV as block copies matches cpu on every axis, sizes and dtypes', async () => {
  const cases: { shape: number[]; split: number | number[]; axis: number; dtype: tf.DataType }[] = [
    { shape: [4, 3, 3, 10], split: [4, 6], axis: 3, dtype: 'float32' },
    { shape: [4, 3, 3, 10], split: 2, axis: 0, dtype: 'float32' },
    { shape: [4, 6, 3, 5], split: [1, -1, 2], axis: 1, dtype: 'int32' },
    { shape: [7, 9], split: [9], axis: 1, dtype: 'float32' },
    { shape: [2, 8], split: [3, 0, 5], axis: -1, dtype: 'bool' },
  ];
  for (const c of cases) {
    const n = c.shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, (_, i) =>
      c.dtype === 'bool' ? i % 3 === 0 : i * 1.5,
    );
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const x = tf.tensor(values as number[], c.shape, c.dtype);
      const parts = tf.split(x, c.split, c.axis);
      const r = parts.map((p) => ({ shape: p.shape, values: Array.from(p.dataSync()) }));
      tf.dispose([x, ...parts]);
      return r;
    };
    assert.deepEqual(await run('wasm'), await run('cpu'), JSON.stringify(c));
  }
});
