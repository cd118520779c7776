import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchNorm } from './batch-norm.js';
import { fileIO } from '../../engine/file-io.js';
import { initEngine } from '../../engine/backend.js';

/** Two one-layer models, ours and tf.layers', with the same random gamma, beta and statistics. */
function pair(shape: number[]) {
  const c = shape[shape.length - 1];
  const mk = (layer: tf.layers.Layer) => {
    const input = tf.input({ shape: shape.slice(1) });
    return tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
  };
  const ours = mk(new BatchNorm({ momentum: 0.9 }));
  const ref = mk(tf.layers.batchNormalization({ momentum: 0.9 }));
  const weights = [
    tf.randomUniform([c], 0.5, 1.5, 'float32', 1), // gamma
    tf.randomNormal([c], 0, 1, 'float32', 2), // beta
    tf.randomNormal([c], 0, 1, 'float32', 3), // moving mean
    tf.randomUniform([c], 0.5, 2, 'float32', 4), // moving variance
  ];
  ours.layers[1].setWeights(weights);
  ref.layers[1].setWeights(weights);
  tf.dispose(weights);
  return { ours, ref };
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`matches tf.layers.batchNormalization: forward, gradients, moving statistics (${backend})`, async () => {
    await initEngine({ backend });
    const shape = [4, 5, 6, 7];
    const { ours, ref } = pair(shape);
    const x = tf.randomNormal(shape, 2, 3, 'float32', 5);
    const r = tf.randomNormal(shape, 0, 1, 'float32', 6);
    // Training: outputs and the gradients of Σ y·r with respect to x, gamma and beta.
    const run = (m: tf.LayersModel) => {
      const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
      const f = (xi: tf.Tensor) =>
        tf.sum(tf.mul(m.apply(xi, { training: true }) as tf.Tensor, r)) as tf.Scalar;
      const { grads } = tf.variableGrads(() => f(x), vars);
      const dx = tf.grad(f)(x);
      return {
        y: m.apply(x, { training: true }) as tf.Tensor,
        dx,
        grads: vars.map((v) => grads[v.name]),
      };
    };
    const a = run(ours);
    const b = run(ref);
    assert.ok(maxDiff(a.y, b.y) < 1e-4, `forward ${maxDiff(a.y, b.y)}`);
    assert.ok(maxDiff(a.dx, b.dx) < 1e-4, `dx ${maxDiff(a.dx, b.dx)}`);
    a.grads.forEach((g, i) =>
      assert.ok(
        maxDiff(g, b.grads[i]) < 1e-3,
        `d${['gamma', 'beta'][i]} ${maxDiff(g, b.grads[i])}`,
      ),
    );
    // The training calls above updated the moving statistics identically.
    const wa = ours.layers[1].getWeights();
    const wb = ref.layers[1].getWeights();
    for (let i = 2; i < 4; i++) assert.ok(maxDiff(wa[i], wb[i]) < 1e-4, `moving statistic ${i}`);
    // Inference uses the moving statistics.
    const ya = ours.predict(x) as tf.Tensor;
    const yb = ref.predict(x) as tf.Tensor;
    assert.ok(maxDiff(ya, yb) < 1e-4);
    tf.dispose([x, r, a.y, a.dx, ...a.grads, b.y, b.dx, ...b.grads, ...wa, ...wb, ya, yb]);
  });
}

test('hand-computed: x = [1, 3] with γ = 2, β = 1 (ε = 0) gives [−1, 3]', async () => {
  await initEngine({ backend: 'cpu' });
  const layer = new BatchNorm({ epsilon: 0 });
  const input = tf.input({ shape: [1] });
  const m = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
  m.layers[1].setWeights([tf.tensor1d([2]), tf.tensor1d([1]), tf.tensor1d([0]), tf.tensor1d([1])]);
  // x = [1, 3]: μ = 2, σ² = 1 → x̂ = [−1, 1] → y = 2·x̂ + 1 = [−1, 3].
  const y = m.apply(tf.tensor2d([[1], [3]]), { training: true }) as tf.Tensor;
  assert.deepEqual(Array.from(y.dataSync()), [-1, 3]);
});

test('save → load keeps weights and outputs; no tensors leak in training steps', async () => {
  await initEngine({ backend: 'wasm' });
  const { ours } = pair([2, 3, 3, 4]);
  const x = tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 7);
  const opt = tf.train.sgd(0.1);
  const step = () =>
    opt.minimize(
      () => tf.sum(tf.square(ours.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
      false,
    );
  step();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) step();
  assert.equal(tf.memory().numTensors, before);
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-bn-'));
  try {
    await ours.save(fileIO(dir));
    const loaded = await tf.loadLayersModel(fileIO(dir));
    assert.equal(loaded.layers[1].getClassName(), 'ExprsimBatchNorm');
    assert.equal(maxDiff(loaded.predict(x) as tf.Tensor, ours.predict(x) as tf.Tensor), 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
