import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../engine/backend.js';
import { createHead } from '../models/heads/registry.js';
import { L2Normalize } from '../models/layers/l2-normalize.js';
import {
  getWeightsFlat,
  setWeightsFlat,
  stateWeightIndices,
  trainableVariables,
} from './gradients.js';
import { RandomInputSource, type RandomInputSpec } from '../embed/input-source.js';
import { TrainOptimizer } from './optimizer.js';
import { LocalReplicas, WorkerReplicas, type Replicas } from './replicas.js';
import { augmentParams } from './augment.js';

const engine = await initEngine();

/** A batch-norm-free model: conv → global pool → dense → L2. */
function bnFree(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  let x = tf.layers
    .conv2d({
      filters: 6,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: tf.initializers.heNormal({ seed: 1 }),
    })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: 8, kernelInitializer: tf.initializers.heNormal({ seed: 2 }) })
    .apply(x) as tf.SymbolicTensor;
  const out = new L2Normalize({}).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const spec: RandomInputSpec = { kind: 'random', shape: [8, 8, 3], seed: 3 };
const batches = [0, 1, 2].map((s) => ({
  keys: Array.from({ length: 30 }, (_, i) => `img-${(s * 7 + i) % 40}`),
  margins: Float32Array.from({ length: 10 }, (_, i) => (i % 3 === 0 ? 0.1 : 0.2)),
}));

async function steps(
  model: tf.LayersModel,
  r: Replicas,
  augment?: (step: number) => Float32Array,
): Promise<number[]> {
  const opt = new TrainOptimizer({
    name: 'adam',
    weightDecay: 0,
    momentum: 0,
    nesterov: false,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
  });
  const vars = trainableVariables(model);
  const losses: number[] = [];
  for (const [i, b] of batches.entries()) {
    const { loss, grads } = await r.gradients(b.keys, b.margins, augment?.(i));
    opt.apply(vars, grads, 0.05);
    tf.dispose(grads);
    losses.push(loss);
  }
  opt.dispose();
  return losses;
}

const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

test('without batch norm, 2 workers train exactly like one process (to float rounding)', async () => {
  const single = bnFree();
  const multi = bnFree();
  setWeightsFlat(multi, getWeightsFlat(single));
  const ls = await steps(single, new LocalReplicas(single, new RandomInputSource(spec), 'fec'));
  const workers = await WorkerReplicas.start(multi, spec, {
    workers: 2,
    loss: 'fec',
    backend: engine.backend,
  });
  try {
    const lm = await steps(multi, workers);
    ls.forEach((l, i) => assert.ok(Math.abs(l - lm[i]) < 1e-5, `step ${i}: ${l} vs ${lm[i]}`));
    assert.ok(maxDiff(getWeightsFlat(single), getWeightsFlat(multi)) < 1e-5);
    // Embeddings computed by the workers equal the main process's.
    const keys = ['img-1', 'img-2', 'img-3'];
    const local = await new LocalReplicas(multi, new RandomInputSource(spec), 'fec').embed(keys);
    assert.ok(maxDiff(local, await workers.embed(keys)) < 1e-5);
  } finally {
    await workers.close();
  }
  assert.equal(workers.workers, 2);
});

test('with batch norm per shard, 2 workers stay close to one process and move the moving statistics', async () => {
  const cfg = {
    preset: 'shallow',
    growth: 4,
    layersPerBlock: 1,
    inputShape: [8, 8, 3],
    embeddingSize: 8,
  } as const;
  const single = createHead('densenet', cfg);
  const multi = createHead('densenet', cfg);
  const stateIdx = stateWeightIndices(multi);
  const before = multi.weights[stateIdx[0]].read().dataSync().slice();
  const ls = await steps(single, new LocalReplicas(single, new RandomInputSource(spec), 'fec'));
  const workers = await WorkerReplicas.start(multi, spec, {
    workers: 2,
    loss: 'fec',
    backend: engine.backend,
  });
  try {
    const lm = await steps(multi, workers);
    // Step 1 starts from the same weights: only the per-shard normalisation differs.
    assert.ok(Math.abs(ls[0] - lm[0]) < 0.25 * Math.max(ls[0], 0.05), `${ls[0]} vs ${lm[0]}`);
    const after = multi.weights[stateIdx[0]].read().dataSync();
    assert.ok(maxDiff(before as Float32Array, after as Float32Array) > 0);
  } finally {
    await workers.close();
  }
});

test('augmented steps: each image is augmented the same in 2 workers as in one process', async () => {
  const aug = (step: number) =>
    augmentParams(
      { flip: true, shift: 0.2, scale: 0.1, brightness: 0.1, contrast: 0.2, blur: 0.3 },
      5,
      step,
      30,
    );
  const single = bnFree();
  const multi = bnFree();
  const plain = bnFree();
  setWeightsFlat(multi, getWeightsFlat(single));
  setWeightsFlat(plain, getWeightsFlat(single));
  const ls = await steps(
    single,
    new LocalReplicas(single, new RandomInputSource(spec), 'fec'),
    aug,
  );
  const lp = await steps(plain, new LocalReplicas(plain, new RandomInputSource(spec), 'fec'));
  assert.notEqual(ls[0], lp[0], 'augmentation changes what the model sees');
  const workers = await WorkerReplicas.start(multi, spec, {
    workers: 2,
    loss: 'fec',
    backend: engine.backend,
  });
  try {
    const lm = await steps(multi, workers, aug);
    ls.forEach((l, i) => assert.ok(Math.abs(l - lm[i]) < 1e-5, `step ${i}: ${l} vs ${lm[i]}`));
    assert.ok(maxDiff(getWeightsFlat(single), getWeightsFlat(multi)) < 1e-5);
  } finally {
    await workers.close();
  }
});
