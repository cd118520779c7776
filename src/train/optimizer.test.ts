import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { TrainOptimizer, type OptimizerConfig } from './optimizer.js';

await tf.setBackend('cpu');

const cfg = (c: Partial<OptimizerConfig>): OptimizerConfig => ({
  name: 'adam',
  weightDecay: 0,
  momentum: 0.9,
  nesterov: false,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  ...c,
});

function run(c: OptimizerConfig, grads: number[], w0 = 1, lr = 0.1): number[] {
  const opt = new TrainOptimizer(c);
  const w = tf.variable(tf.scalar(w0));
  const out: number[] = [];
  for (const g of grads) {
    const gt = tf.scalar(g);
    opt.apply([w], [gt], lr);
    gt.dispose();
    out.push(w.dataSync()[0]);
  }
  opt.dispose();
  w.dispose();
  return out;
}

const close = (a: number[], b: number[], tol = 1e-6) =>
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < tol, `${a} vs ${b}`));

test('adam, by hand: the first step moves every weight by lr·sign(g)', () => {
  // t=1: m = 0.1·g, v = 0.001·g², m̂ = g, v̂ = g² → w − lr·g/(|g| + ε).
  close(run(cfg({}), [2]), [1 - 0.1]);
  // t=2 with g = 2 then −1: m = 0.09·2·... computed step by step:
  // m1 = 0.2, v1 = 0.004; m2 = 0.18 − 0.1 = 0.08, v2 = 0.003996 + 0.001 = 0.004996
  // m̂ = 0.08 / 0.19, v̂ = 0.004996 / 0.001999 → w2 = 0.9 − 0.1·m̂/√v̂.
  const mh = 0.08 / (1 - 0.81);
  const vh = 0.004996 / (1 - 0.999 ** 2);
  close(run(cfg({}), [2, -1]), [0.9, 0.9 - (0.1 * mh) / (Math.sqrt(vh) + 1e-8)]);
});

test('adam matches tf.train.adam on a vector', () => {
  const grads = [
    [0.5, -1, 2],
    [0.1, 0.3, -0.2],
    [-0.4, 0.2, 0.05],
  ];
  const ours = new TrainOptimizer(cfg({}));
  const w1 = tf.variable(tf.tensor1d([1, 2, 3]));
  const w2 = tf.variable(tf.tensor1d([1, 2, 3]));
  const ref = tf.train.adam(0.01, 0.9, 0.999, 1e-8);
  for (const g of grads) {
    const gt = tf.tensor1d(g);
    ours.apply([w1], [gt], 0.01);
    ref.applyGradients([{ name: w2.name, tensor: gt }]);
    gt.dispose();
  }
  close(Array.from(w1.dataSync()), Array.from(w2.dataSync()), 1e-6);
  ours.dispose();
  ref.dispose();
  tf.dispose([w1, w2]);
});

test('sgd with momentum and weight decay (PyTorch semantics), by hand', () => {
  // wd 0.1, μ 0.5, lr 0.1, w0 = 1, g = 1 each step:
  // s1: g' = 1 + 0.1·1 = 1.1, b = 1.1, w = 1 − 0.11 = 0.89
  // s2: g' = 1 + 0.089 = 1.089, b = 0.55 + 1.089 = 1.639, w = 0.89 − 0.1639 = 0.7261
  close(run(cfg({ name: 'sgd', momentum: 0.5, weightDecay: 0.1 }), [1, 1]), [0.89, 0.7261]);
  // Nesterov: update = g' + μ·b. s1: b = 1, update 1.5, w = 0.85; s2: b = 1.5, update 1.75, w = 0.675
  close(run(cfg({ name: 'sgd', momentum: 0.5, nesterov: true }), [1, 1]), [0.85, 0.675]);
});

test('state round-trips: a restored optimiser continues identically', () => {
  const c = cfg({});
  const a = new TrainOptimizer(c);
  const wa = tf.variable(tf.tensor1d([1, -1]));
  const g = tf.tensor1d([0.3, -0.7]);
  a.apply([wa], [g], 0.05);
  const b = new TrainOptimizer(c);
  const wb = tf.variable(wa.clone());
  b.setState(a.getState(), [wb]);
  assert.equal(b.steps, 1);
  a.apply([wa], [g], 0.05);
  b.apply([wb], [g], 0.05);
  assert.deepEqual(Array.from(wa.dataSync()), Array.from(wb.dataSync()));
  assert.throws(
    () => new TrainOptimizer(cfg({ name: 'sgd' })).setState(a.getState(), [wb]),
    /adam state/,
  );
  a.dispose();
  b.dispose();
  tf.dispose([wa, wb, g]);
});

test('updates leak no tensors', () => {
  const opt = new TrainOptimizer(cfg({ weightDecay: 0.01 }));
  const w = tf.variable(tf.ones([4]));
  const g = tf.ones([4]);
  opt.apply([w], [g], 0.1); // creates the slots
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) opt.apply([w], [g], 0.1);
  assert.equal(tf.memory().numTensors, before);
  opt.dispose();
  tf.dispose([w, g]);
});

test('per-variable learning-rate scales, by hand: adam and sgd steps scale with them', () => {
  for (const [c, step] of [
    // adam's first step is lr·sign(g); sgd's is lr·g.
    [cfg({}), (g: number, lr: number) => lr * Math.sign(g)],
    [cfg({ name: 'sgd' }), (g: number, lr: number) => lr * g],
  ] as const) {
    const opt = new TrainOptimizer(c);
    const ws = [tf.variable(tf.scalar(1)), tf.variable(tf.scalar(1)), tf.variable(tf.scalar(1))];
    const gs = [tf.scalar(0.5), tf.scalar(0.5), tf.scalar(0.5)];
    opt.apply(ws, gs, 0.1, [1, 3, 0]);
    close(
      ws.map((w) => w.dataSync()[0]),
      [1 - step(0.5, 0.1), 1 - step(0.5, 0.3), 1],
    );
    assert.throws(() => opt.apply(ws, gs, 0.1, [1]), /3 variables but 3 gradients, 1 scales/);
    opt.dispose();
    tf.dispose([...ws, ...gs]);
  }
});
