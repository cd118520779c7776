/**
 * End to end: all parameter gradients of a small DenseNet-like net built from plain ops, on wasm
 * with the training kernels against the cpu backend.
 *
 * Net: input [2,8,8,16] → 1x1 conv 24 → 2 dense layers (BN-ReLU-1x1 conv 16-BN-ReLU-3x3 conv 8,
 * concatenated: 24 → 32 → 40 channels) → 3x3 conv 32 stride 2 → global average pool →
 * dense 10 → softmax cross-entropy. BN uses batch statistics (training mode), so its gradient
 * runs Tile; the dense layer's gradient runs transposed matMuls; the convs run both backprops.
 *
 * Scale: He-initialised weights keep activations O(1); gradients of the mean cross-entropy are
 * then O(0.01–1) (printed per parameter). We require max |wasm − cpu| < 1e-4 absolute and, to
 * be meaningful for the small ones, < 1e-3 relative to the largest |gradient| of each parameter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mulberry32 } from '../../core/prng.js';
import { registerWasmTrainingKernels } from './index.js';

tf.env().set('PROD', true);
await tf.setBackend('wasm');
await tf.ready();
registerWasmTrainingKernels();

const rand = mulberry32(7);
function normal(shape: number[], scale = 1): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] =
      scale * Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
  }
  return out;
}

interface Param {
  name: string;
  shape: number[];
  values: Float32Array;
}
const params: Param[] = [];
const conv = (name: string, k: number, cin: number, cout: number) =>
  params.push({
    name,
    shape: [k, k, cin, cout],
    values: normal([k, k, cin, cout], Math.sqrt(2 / (k * k * cin))),
  });
const bn = (name: string, c: number) => {
  params.push({
    name: `${name}.gamma`,
    shape: [c],
    values: Float32Array.from(normal([c], 0.1), (v) => 1 + v),
  });
  params.push({ name: `${name}.beta`, shape: [c], values: normal([c], 0.1) });
};
conv('stem', 1, 16, 24);
for (let i = 0, c = 24; i < 2; i++, c += 8) {
  bn(`d${i}.bn1`, c);
  conv(`d${i}.conv1`, 1, c, 16);
  bn(`d${i}.bn2`, 16);
  conv(`d${i}.conv3`, 3, 16, 8);
}
conv('transition', 3, 40, 32);
params.push({ name: 'fc.w', shape: [32, 10], values: normal([32, 10], Math.sqrt(1 / 32)) });
params.push({ name: 'fc.b', shape: [10], values: normal([10], 0.1) });

const input = normal([2, 8, 8, 16]);
const labels = new Float32Array(20);
labels[3] = 1;
labels[10 + 7] = 1;

function loss(ps: tf.Tensor[], x: tf.Tensor4D, y: tf.Tensor2D): tf.Scalar {
  const p = new Map(params.map((q, i) => [q.name, ps[i]]));
  const get = <T extends tf.Tensor>(n: string) => p.get(n) as T;
  const batchNorm = (h: tf.Tensor4D, name: string): tf.Tensor4D => {
    const { mean, variance } = tf.moments(h, [0, 1, 2]);
    return tf.batchNorm(
      h,
      mean,
      variance,
      get<tf.Tensor1D>(`${name}.beta`),
      get<tf.Tensor1D>(`${name}.gamma`),
      1e-3,
    ) as tf.Tensor4D;
  };
  let h = tf.conv2d(x, get<tf.Tensor4D>('stem'), 1, 'same');
  for (let i = 0; i < 2; i++) {
    let y1: tf.Tensor4D = tf.relu(batchNorm(h, `d${i}.bn1`));
    y1 = tf.conv2d(y1, get<tf.Tensor4D>(`d${i}.conv1`), 1, 'same');
    y1 = tf.relu(batchNorm(y1, `d${i}.bn2`));
    y1 = tf.conv2d(y1, get<tf.Tensor4D>(`d${i}.conv3`), 1, 'same');
    h = tf.concat([h, y1], 3) as tf.Tensor4D;
  }
  h = tf.conv2d(h, get<tf.Tensor4D>('transition'), 2, 'same');
  const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
  const logits = tf.add(tf.matMul(pooled, get<tf.Tensor2D>('fc.w')), get('fc.b'));
  return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

async function gradients(
  backend: string,
): Promise<{ grads: Float32Array[]; kernels: Set<string> }> {
  await tf.setBackend(backend);
  const ps = params.map((q) => tf.tensor(q.values, q.shape));
  const x = tf.tensor4d(input, [2, 8, 8, 16]);
  const y = tf.tensor2d(labels, [2, 10]);
  const g = tf.grads((...args: tf.Tensor[]) => loss(args, x, y));
  let out: tf.Tensor[] = [];
  const profile = await tf.profile(() => {
    out = g(ps);
    return out;
  });
  const grads = out.map((t) => t.dataSync() as Float32Array);
  tf.dispose([...out, ...ps, x, y]);
  return { grads, kernels: new Set(profile.kernelNames) };
}

test('DenseNet-like net: every parameter gradient on wasm matches cpu', async () => {
  const ref = await gradients('cpu');
  const got = await gradients('wasm');
  for (const k of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Sum', 'Tile', 'BatchMatMul']) {
    assert.ok(got.kernels.has(k), `the wasm run used ${k}`);
  }
  let worst = { abs: 0, rel: 0, name: '' };
  const lines: string[] = [];
  params.forEach((q, i) => {
    const r = ref.grads[i];
    const w = got.grads[i];
    let mag = 0;
    let err = 0;
    for (let j = 0; j < r.length; j++) {
      mag = Math.max(mag, Math.abs(r[j]));
      err = Math.max(err, Math.abs(r[j] - w[j]));
    }
    const rel = err / Math.max(mag, 1e-12);
    lines.push(
      `${q.name.padEnd(16)} max|g| ${mag.toExponential(2)}  abs err ${err.toExponential(2)}  rel ${rel.toExponential(2)}`,
    );
    if (err > worst.abs) worst = { ...worst, abs: err };
    if (rel > worst.rel) worst = { ...worst, rel, name: q.name };
    assert.ok(err < 1e-4, `${q.name}: abs error ${err}`);
    assert.ok(rel < 1e-3, `${q.name}: relative error ${rel}`);
  });
  console.log(lines.join('\n'));
  console.log(
    `worst: abs ${worst.abs.toExponential(2)}, rel ${worst.rel.toExponential(2)} (${worst.name})`,
  );
});
