/**
 * The native BLAS kernels against the cpu backend (the reference), on seeded random shapes:
 * convolutions (strides, dilations, same/valid/explicit padding, 1x1 fast path), their two
 * gradients through tf.grads, fused bias + activation, and matrix products with every transpose
 * and batch broadcast; once per native library (oneDNN's, OpenBLAS's), each registered in turn
 * over the same wasm kernels. Skips a library with the reason when it is not built, unless
 * EXPRSIM_REQUIRE_NATIVE=1 (CI), where that is a failure.
 *
 * Inputs are N(0, 1) and filters/second operands are scaled by 1/sqrt(fan-in), so outputs are
 * O(1) and the absolute tolerance 1e-4 is ~1e-4 relative.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../kernels/index.js';
import {
  loadNativeLibrary,
  NATIVE_LIBRARIES,
  nativeKernelCalls,
  registerNativeKernels,
  unregisterNativeKernels,
  type NativeBlas,
  type NativeLoad,
} from './index.js';
import { mulberry32 } from '../../core/prng.js';

tf.env().set('PROD', true);
await tf.setBackend('wasm');
await tf.ready();
registerWasmTrainingKernels();
const loads = new Map<string, NativeLoad>(NATIVE_LIBRARIES.map((l) => [l, loadNativeLibrary(l)]));
for (const [library, load] of loads) {
  if (!load.ok && process.env.EXPRSIM_REQUIRE_NATIVE === '1') {
    throw new Error(`EXPRSIM_REQUIRE_NATIVE=1 but ${library}: ${load.reason} (${load.fix})`);
  }
}

const rand = mulberry32(20261128);
const randInt = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
function normal(n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(rand(), 1e-12);
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  }
  return out;
}

interface Input {
  shape: number[];
  values: Float32Array;
}
const input = (shape: number[], scale = 1): Input => ({
  shape,
  values: normal(
    shape.reduce((a, b) => a * b, 1),
    scale,
  ),
});

/** Run `fn` on tensors made from `inputs` on `backend`; return every output's values. */
async function runOn(
  backend: string,
  inputs: Input[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const xs = inputs.map((i) => tf.tensor(i.values, i.shape));
  const out = fn(...xs);
  const outs = Array.isArray(out) ? out : [out];
  const values = outs.map((o) => o.dataSync() as Float32Array);
  tf.dispose([...outs, ...xs]);
  return values;
}

async function expectSame(
  what: string,
  inputs: Input[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  tol = 1e-4,
) {
  const want = await runOn('cpu', inputs, fn);
  const got = await runOn('wasm', inputs, fn);
  assert.equal(got.length, want.length);
  for (let o = 0; o < want.length; o++) {
    assert.equal(got[o].length, want[o].length, `${what}: output ${o} size`);
    let err = 0;
    for (let i = 0; i < want[o].length; i++) err = Math.max(err, Math.abs(got[o][i] - want[o][i]));
    assert.ok(err < tol, `${what}: output ${o} max error ${err}`);
  }
}

for (const library of NATIVE_LIBRARIES) {
  const load = loads.get(library) as NativeLoad;
  const skip = load.ok ? false : `${library} kernels unavailable: ${load.reason}`;
  if (skip) console.log(`skipping: ${skip}`);
  const blas = () => (load.ok ? load.blas : (undefined as never));
  let names: string[] = [];
  describe(`native kernels on ${library}`, { skip }, () => {
    before(() => {
      names = registerNativeKernels(blas());
    });

    test('registers over the wasm kernels, idempotently and reversibly', () => {
      assert.deepEqual(names, [
        'Conv2D',
        'FusedConv2D',
        // oneDNN only (exprsim-blas.c has no depthwise forward: tfjs-wasm's runs).
        ...(library === 'dnnl' ? ['DepthwiseConv2dNative', 'FusedDepthwiseConv2D'] : []),
        'Conv2DBackpropInput',
        'Conv2DBackpropFilter',
        'DepthwiseConv2dNativeBackpropInput',
        'DepthwiseConv2dNativeBackpropFilter',
        'FusedBatchNorm',
        'Sum',
        'Mean',
        'BatchMatMul',
        '_FusedMatMul',
      ]);
      const ours = names.map((n) => tf.getKernel(n, 'wasm'));
      assert.deepEqual(registerNativeKernels(blas()), names);
      names.forEach((n, i) => assert.equal(tf.getKernel(n, 'wasm'), ours[i]));
      unregisterNativeKernels();
      names.forEach((n, i) => assert.notEqual(tf.getKernel(n, 'wasm'), ours[i], `${n} restored`));
      registerNativeKernels(blas());
    });

    test('the native kernels run (they are not falling back)', async () => {
      const before = nativeKernelCalls();
      const [y] = await runOn('wasm', [], () =>
        tf.conv2d(
          tf.ones([1, 2, 2, 3]) as tf.Tensor4D,
          tf.fill([1, 1, 3, 2], 0.5) as tf.Tensor4D,
          1,
          'valid',
        ),
      );
      // Each output sums 3 inputs of 1 times 0.5.
      assert.deepEqual(Array.from(y), [1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5]);
      const calls = nativeKernelCalls();
      assert.equal(calls.Conv2D.native, before.Conv2D.native + 1);
      assert.equal(calls.Conv2D.fallback, before.Conv2D.fallback);
    });

    test('conv2d forward and both gradients match cpu on 40 random shapes', async () => {
      let run = 0;
      for (let t = 0; t < 40; t++) {
        const n = randInt(1, 3);
        const h = randInt(3, 10);
        const w = randInt(3, 10);
        const cin = randInt(1, 9);
        const cout = randInt(1, 9);
        const kh = randInt(1, 3);
        const kw = randInt(1, 3);
        const dilated = t % 4 === 3;
        const stride = dilated ? 1 : pick([1, 1, 2]);
        const dilation = dilated ? 2 : 1;
        const pad = pick([
          'same',
          'valid',
          [
            [0, 0],
            [randInt(0, 2), randInt(0, 2)],
            [randInt(0, 2), randInt(0, 2)],
            [0, 0],
          ],
        ] as const);
        const x = input([n, h, w, cin]);
        const f = input([kh, kw, cin, cout], 1 / Math.sqrt(kh * kw * cin));
        const what = `x ${x.shape} f ${f.shape} stride ${stride} dilation ${dilation} pad ${JSON.stringify(pad)}`;
        let outShape: number[];
        try {
          outShape = tf.backend_util.computeConv2DInfo(
            x.shape as [number, number, number, number],
            f.shape as [number, number, number, number],
            stride,
            dilation,
            pad as 'same',
          ).outShape;
        } catch {
          continue; // a padding/dilation combination tfjs itself rejects
        }
        if (outShape.some((d) => d === 0)) continue;
        const r = input(outShape, 1 / Math.sqrt(outShape[0] * outShape[1] * outShape[2]));
        const conv = (xt: tf.Tensor, ft: tf.Tensor) =>
          tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, stride, pad as 'same', 'NHWC', dilation);
        await expectSame(`conv2d ${what}`, [x, f], conv);
        run++;
        if (dilation === 1) {
          // tfjs's conv2d gradient refuses dilation > 1.
          await expectSame(`conv2d grads ${what}`, [x, f, r], (xt, ft, rt) =>
            tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), rt)))([xt, ft]),
          );
        }
      }
      assert.ok(run >= 30, `only ${run} of 40 random shapes were valid convolutions`);
    });

    test('depthwise conv2d gradients match cpu on 24 random shapes', async () => {
      const before = nativeKernelCalls();
      for (let t = 0; t < 24; t++) {
        const n = randInt(1, 3);
        const h = randInt(3, 12);
        const w = randInt(3, 12);
        const cin = randInt(1, 12);
        const mult = pick([1, 1, 2]);
        const k = pick([1, 3, 3, 5]);
        const stride = pick([1, 2]);
        const pad = pick(['same', 'valid'] as const);
        if (pad === 'valid' && (h < k || w < k)) continue;
        const x = input([n, h, w, cin]);
        const f = input([k, k, cin, mult], 1 / k);
        const outShape = tf.backend_util.computeConv2DInfo(
          x.shape as [number, number, number, number],
          f.shape as [number, number, number, number],
          stride,
          1,
          pad,
          undefined,
          true,
        ).outShape;
        const r = input(outShape, 1 / Math.sqrt(outShape[0] * outShape[1] * outShape[2]));
        const what = `x ${x.shape} f ${f.shape} stride ${stride} pad ${pad}`;
        await expectSame(`depthwise grads ${what}`, [x, f, r], (xt, ft, rt) =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), rt)),
          )([xt, ft]),
        );
      }
      const after = nativeKernelCalls();
      for (const name of [
        'DepthwiseConv2dNativeBackpropInput',
        'DepthwiseConv2dNativeBackpropFilter',
      ]) {
        assert.ok(after[name].native - before[name].native >= 20, `${name} ran natively`);
        assert.equal(after[name].fallback, before[name].fallback);
      }
    });

    test(
      'depthwise conv2d forward (plain and fused) matches cpu on 24 random shapes',
      { skip: library !== 'dnnl' && 'oneDNN only' },
      async () => {
        const before = nativeKernelCalls();
        let run = 0;
        for (let t = 0; t < 24; t++) {
          const h = randInt(3, 14);
          const w = randInt(3, 14);
          const cin = randInt(1, 40);
          const mult = pick([1, 1, 1, 2]);
          const k = pick([1, 3, 3, 5]);
          const stride = pick([1, 2]);
          const dilation = stride === 1 ? pick([1, 1, 2]) : 1;
          const pad = pick(['same', 'valid'] as const);
          if (pad === 'valid' && (h < (k - 1) * dilation + 1 || w < (k - 1) * dilation + 1))
            continue;
          const x = input([randInt(1, 3), h, w, cin]);
          const f = input([k, k, cin, mult], 1 / k);
          const b = input([cin * mult]);
          const activation = pick(['linear', 'relu', 'relu6', 'prelu'] as const);
          const what = `x ${x.shape} f ${f.shape} s ${stride} d ${dilation} ${pad} ${activation}`;
          await expectSame(
            `depthwise ${what}`,
            [x, f, b, input([cin * mult])],
            (xt, ft, bt, at) => [
              tf.depthwiseConv2d(
                xt as tf.Tensor4D,
                ft as tf.Tensor4D,
                stride,
                pad,
                'NHWC',
                dilation,
              ),
              tf.fused.depthwiseConv2d({
                x: xt as tf.Tensor4D,
                filter: ft as tf.Tensor4D,
                strides: stride,
                pad,
                dilations: dilation,
                bias: bt,
                activation,
                preluActivationWeights: activation === 'prelu' ? at : undefined,
              }),
            ],
          );
          run++;
        }
        assert.ok(run >= 18, `only ${run} of 24 random shapes were valid`);
        const after = nativeKernelCalls();
        for (const name of ['DepthwiseConv2dNative', 'FusedDepthwiseConv2D']) {
          assert.equal(after[name].native - before[name].native, run, `${name} ran natively`);
          assert.equal(after[name].fallback, before[name].fallback, `${name} not on wasm`);
        }
      },
    );

    test('a convolution bigger than one im2col block (blocks, and gradients summed across them)', async () => {
      // 4·64·64 rows × 3·3·32 columns = 4.7 M floats > the 4 M-float block of exprsim-blas.c.
      const x = input([4, 64, 64, 32]);
      const f = input([3, 3, 32, 4], 1 / Math.sqrt(288));
      const r = input([4, 64, 64, 4], 1 / 128);
      const conv = (xt: tf.Tensor, ft: tf.Tensor) =>
        tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, 1, 'same');
      await expectSame('big conv + grads', [x, f, r], (xt, ft, rt) => [
        conv(xt, ft),
        ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), rt)))([xt, ft]),
      ]);
    });

    test('inputs the native kernels do not cover go to the wasm kernels, still right', async () => {
      const before = nativeKernelCalls();
      // A bias per row, not per channel (it broadcasts as [m, 1]): wasm's own kernel refuses it
      // loudly, where applying it per column would be silently wrong.
      await tf.setBackend('wasm');
      assert.throws(
        () =>
          tf.tidy(() =>
            tf.fused.matMul({ a: tf.ones([3, 3]), b: tf.ones([3, 3]), bias: tf.ones([3, 1]) }),
          ),
        /rank-1 bias/,
      );
      // conv2dTranspose with an output shape whose 'same' conv does not give dy's size.
      await expectSame(
        'conv2dTranspose, mismatched dy',
        [input([1, 6, 6, 1]), input([1, 1, 1, 1])],
        (dy, f) =>
          tf.conv2dTranspose(dy as tf.Tensor4D, f as tf.Tensor4D, [1, 10, 10, 1], 2, 'same'),
      );
      // Empty operands: no rows go to the wasm kernel; k = 0 is zeros, here (tfjs-wasm's kernel
      // returns whatever the heap held: wrong once the heap has been used).
      await expectSame('matMul with m = 0', [input([0, 2]), input([2, 3])], (a, b) =>
        tf.matMul(a, b),
      );
      const zerosBefore = nativeKernelCalls().BatchMatMul.native;
      tf.tidy(() => tf.matMul(tf.fill([64, 64], 3), tf.fill([64, 64], 3)).dataSync()); // dirty heap
      await expectSame('matMul with k = 0', [input([2, 0]), input([0, 3])], (a, b) =>
        tf.matMul(a, b),
      );
      await expectSame('fused matMul with k = 0, sigmoid', [input([2, 0]), input([0, 3])], (a, b) =>
        tf.fused.matMul({ a, b, activation: 'sigmoid' }),
      );
      // The heap-dirtying product and k = 0 (the fused one is _FusedMatMul's, below).
      assert.equal(nativeKernelCalls().BatchMatMul.native, zerosBefore + 2);
      const after = nativeKernelCalls();
      assert.equal(after._FusedMatMul.fallback, before._FusedMatMul.fallback + 1);
      assert.equal(after.Conv2DBackpropInput.fallback, before.Conv2DBackpropInput.fallback + 1);
      assert.equal(after.BatchMatMul.fallback, before.BatchMatMul.fallback + 1);
      assert.equal(after._FusedMatMul.native, before._FusedMatMul.native + 1);
    });

    test('batch norm: per-channel, broadcast and absent parameters, and its gradient', async () => {
      const before = nativeKernelCalls().FusedBatchNorm;
      const x = input([2, 3, 4, 5]);
      const p = () => input([5]);
      const variance = { shape: [5], values: normal(5).map((v) => v * v + 0.1) };
      await expectSame('batchNorm [5] params', [x, p(), variance, p(), p()], (xt, m, v, o, g) =>
        tf.batchNorm(xt, m, v, o, g, 1e-3),
      );
      await expectSame('batchNorm, no offset or scale', [x, p(), variance], (xt, m, v) =>
        tf.batchNorm(xt, m, v, undefined, undefined, 1e-3),
      );
      const v4 = { shape: [1, 1, 1, 5], values: variance.values };
      await expectSame(
        'batchNorm [1,1,1,5] params, offset [1,1,1,1]',
        [x, input([1, 1, 1, 5]), v4, input([1, 1, 1, 1])],
        (xt, m, v, o) => tf.batchNorm(xt, m, v, o, undefined, 1e-3),
      );
      const r = input([2, 3, 4, 5]);
      await expectSame(
        'batchNorm gradient',
        [x, p(), variance, p(), p(), r],
        (xt, m, v, o, g, rt) =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(tf.batchNorm(a, m, v, o, b, 1e-3), rt)),
          )([xt, g]),
      );
      const after = nativeKernelCalls().FusedBatchNorm;
      assert.ok(after.native - before.native >= 4);
      assert.equal(after.fallback, before.fallback);
    });

    test('Sum and Mean over leading axes run natively; other axes fall back; both match cpu', async () => {
      const before = nativeKernelCalls();
      const x = input([6, 5, 4, 7]);
      for (const axis of [[0], [0, 1], [0, 1, 2]]) {
        for (const keepDims of [false, true]) {
          await expectSame(`sum ${JSON.stringify(axis)} ${keepDims}`, [x], (xt) =>
            tf.sum(xt, axis, keepDims),
          );
          await expectSame(`mean ${JSON.stringify(axis)} ${keepDims}`, [x], (xt) =>
            tf.mean(xt, axis, keepDims),
          );
        }
      }
      await expectSame('sum over the last axis', [x], (xt) => tf.sum(xt, -1));
      await expectSame('sum over all axes', [x], (xt) => tf.sum(xt));
      // A long reduction: 20,000 rows of 3 (float32 summation order would show at 1e-4).
      await expectSame('sum of 20000 rows', [input([20000, 3])], (xt) => tf.sum(xt, 0), 1e-3);
      const after = nativeKernelCalls();
      assert.equal(after.Sum.native - before.Sum.native, 7);
      assert.equal(after.Mean.native - before.Mean.native, 6);
      assert.equal(after.Sum.fallback - before.Sum.fallback, 2);
    });

    test('fused conv2d and matMul: bias and activations, prelu (one slope or per channel)', async () => {
      const before = nativeKernelCalls().FusedConv2D;
      const x = input([2, 6, 5, 4]);
      const f = input([3, 3, 4, 7], 1 / 6);
      const b = input([7]);
      for (const activation of [
        'linear',
        'relu',
        'relu6',
        'leakyrelu',
        'elu',
        'sigmoid',
        'prelu',
      ] as const) {
        const alpha = input([7]);
        await expectSame(`fused conv ${activation}`, [x, f, b, alpha], (xt, ft, bt, at) =>
          tf.fused.conv2d({
            x: xt as tf.Tensor4D,
            filter: ft as tf.Tensor4D,
            strides: 1,
            pad: 'same',
            bias: bt,
            activation,
            preluActivationWeights: activation === 'prelu' ? at : undefined,
            leakyreluAlpha: 0.3,
          }),
        );
      }
      // prelu with one slope for all channels, and per channel as a 3-D [1, 1, c] tensor.
      // (Slopes that vary along another axis go to tfjs-wasm's kernel, which gets them wrong:
      // tfjs 4.22 treats them as per channel. Not tested here: not exprsim's kernel.)
      for (const slopes of [[1], [1, 1, 7]]) {
        await expectSame(`fused conv prelu ${slopes}`, [x, f, b, input(slopes)], (xt, ft, bt, at) =>
          tf.fused.conv2d({
            x: xt as tf.Tensor4D,
            filter: ft as tf.Tensor4D,
            strides: 1,
            pad: 'same',
            bias: bt,
            activation: 'prelu',
            preluActivationWeights: at,
          }),
        );
      }
      const after = nativeKernelCalls().FusedConv2D;
      assert.equal(after.fallback, before.fallback, 'prelu ran natively');
      assert.equal(after.native, before.native + 9);
      const mmBefore = nativeKernelCalls()._FusedMatMul;
      await expectSame(
        'fused matMul prelu',
        [input([9, 6]), input([6, 5]), input([5])],
        (at, bt, st) =>
          tf.fused.matMul({ a: at, b: bt, activation: 'prelu', preluActivationWeights: st }),
      );
      assert.equal(nativeKernelCalls()._FusedMatMul.native, mmBefore.native + 1);
      assert.equal(nativeKernelCalls()._FusedMatMul.fallback, mmBefore.fallback);
      await expectSame('fused conv, no bias, stride 2', [x, f], (xt, ft) =>
        tf.fused.conv2d({
          x: xt as tf.Tensor4D,
          filter: ft as tf.Tensor4D,
          strides: 2,
          pad: 'valid',
          activation: 'relu',
        }),
      );
    });

    test('matMul: transposes, batches, broadcasts, fused bias + relu', async () => {
      const cases: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [];
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          for (const [ba, bb] of [
            [[], []],
            [[3], [3]],
            [
              [2, 3],
              [2, 3],
            ],
            [[4], []],
            [[], [4]],
            [[1], [5]],
          ]) {
            const m = randInt(1, 20);
            const k = randInt(1, 30);
            const n = randInt(1, 20);
            cases.push({
              a: [...ba, ...(ta ? [k, m] : [m, k])],
              b: [...bb, ...(tb ? [n, k] : [k, n])],
              ta,
              tb,
            });
          }
        }
      }
      for (const c of cases) {
        const a = input(c.a);
        const k = c.ta ? c.a[c.a.length - 2] : c.a[c.a.length - 1];
        const b = input(c.b, 1 / Math.sqrt(k));
        const n = c.tb ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
        const what = `a ${c.a}${c.ta ? 'ᵀ' : ''} b ${c.b}${c.tb ? 'ᵀ' : ''}`;
        await expectSame(`matMul ${what}`, [a, b], (at, bt) => tf.matMul(at, bt, c.ta, c.tb));
        const bias = input([n]);
        await expectSame(`fused matMul ${what}`, [a, b, bias], (at, bt, biast) =>
          tf.fused.matMul({
            a: at,
            b: bt,
            transposeA: c.ta,
            transposeB: c.tb,
            bias: biast,
            activation: 'relu',
          }),
        );
      }
      // Batch shapes that broadcast both ways fall back to the wasm kernel, still correct.
      const fallbacks = nativeKernelCalls().BatchMatMul.fallback;
      await expectSame(
        'matMul [2,1] × [1,3] batches',
        [input([2, 1, 4, 5]), input([1, 3, 5, 6])],
        (at, bt) => tf.matMul(at, bt),
      );
      assert.equal(nativeKernelCalls().BatchMatMul.fallback, fallbacks + 1);
    });

    test('no tensor or wasm-heap leak over repeated training-like steps', async () => {
      await tf.setBackend('wasm');
      const x = tf.tensor(input([4, 8, 8, 6]).values, [4, 8, 8, 6]) as tf.Tensor4D;
      const f = tf.variable(tf.tensor(input([3, 3, 6, 5], 0.2).values, [3, 3, 6, 5]));
      const wd = tf.variable(tf.tensor(input([5 * 16, 3], 0.1).values, [80, 3]));
      const step = () =>
        tf.tidy(() => {
          const g = tf.variableGrads(() => {
            const y = tf.relu(tf.conv2d(x, f as tf.Tensor4D, 2, 'same'));
            return tf.sum(tf.square(tf.matMul(tf.reshape(y, [4, 80]), wd)));
          });
          f.assign(tf.sub(f, tf.mul(g.grads[f.name], 1e-3)));
          wd.assign(tf.sub(wd, tf.mul(g.grads[wd.name], 1e-3)));
          tf.dispose(g.value);
        });
      step();
      const before = tf.memory();
      for (let i = 0; i < 5; i++) step();
      const afterMem = tf.memory();
      assert.equal(afterMem.numTensors, before.numTensors);
      assert.equal(afterMem.numBytes, before.numBytes);
      tf.dispose([x, f, wd]);
    });
  });
}

// oneDNN declines what it has only reference loops for. No shape here reaches that on x86
// (its gemm-based convolution covers the rest), so a copy of oneDNN's functions whose conv2d
// and matmul decline stands in for it; the rest of the chain is the real one.
const dnnlLoad = loads.get('dnnl') as NativeLoad;
const blasLoad = loads.get('openblas') as NativeLoad;
describe(
  'the chain: a case oneDNN declines goes to OpenBLAS, then wasm',
  { skip: !(dnnlLoad.ok && blasLoad.ok) && 'needs both native libraries built' },
  () => {
    test('declined convolutions and products run on OpenBLAS; without it, on wasm', async () => {
      const dnnl = (dnnlLoad.ok ? dnnlLoad.blas : undefined) as NativeBlas;
      const openblas = (blasLoad.ok ? blasLoad.blas : undefined) as NativeBlas;
      let declined = 0;
      let openblasCalls = 0;
      const declining: NativeBlas = {
        ...dnnl,
        conv2d: () => (declined++, false),
        matmul: () => (declined++, false),
      };
      const counted: NativeBlas = {
        ...openblas,
        conv2d: (...a) => (openblasCalls++, openblas.conv2d(...a)),
        matmul: (...a) => (openblasCalls++, openblas.matmul(...a)),
      };
      const x = input([2, 7, 7, 3]);
      const f = input([3, 3, 3, 4], 1 / Math.sqrt(27));
      const b = input([4]);
      const ops = (xt: tf.Tensor, ft: tf.Tensor, bt: tf.Tensor) => [
        tf.fused.conv2d({
          x: xt as tf.Tensor4D,
          filter: ft as tf.Tensor4D,
          strides: 1,
          pad: 'same',
          bias: bt,
          activation: 'relu',
        }),
        tf.matMul(tf.reshape(xt, [98, 3]), tf.reshape(ft, [27, 4]).slice([0, 0], [3, 4])),
      ];
      try {
        registerNativeKernels(declining, () => counted);
        const before = nativeKernelCalls();
        await expectSame('declined, then OpenBLAS', [x, f, b], ops);
        const after = nativeKernelCalls();
        assert.equal(declined, 2);
        assert.equal(openblasCalls, 2);
        for (const name of ['FusedConv2D', 'BatchMatMul']) {
          assert.equal(after[name].handedOn, before[name].handedOn + 1, `${name} handed on`);
          assert.equal(after[name].native, before[name].native + 1, `${name} native`);
          assert.equal(after[name].fallback, before[name].fallback, `${name} not on wasm`);
        }
        // No next library (OpenBLAS not built): the wasm kernel, still right.
        registerNativeKernels(declining);
        await expectSame('declined, then wasm', [x, f, b], ops);
        const last = nativeKernelCalls();
        assert.equal(openblasCalls, 2);
        for (const name of ['FusedConv2D', 'BatchMatMul']) {
          assert.equal(last[name].fallback, after[name].fallback + 1, `${name} on wasm`);
          assert.equal(last[name].handedOn, after[name].handedOn);
        }
      } finally {
        unregisterNativeKernels();
      }
    });
  },
);
