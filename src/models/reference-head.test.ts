import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../engine/backend.js';
import { createReferenceHead } from './reference-head.js';
import { trainStep } from '../train/train-step.js';

// The default backend here (wasm with exprsim's training kernels, or tfjs-node where installed).
const engine = await initEngine();

test('embeddings are 16-d and unit norm', () => {
  const model = createReferenceHead({ seed: 2 });
  const y = model.predict(tf.randomNormal([3, 12, 12, 512], 0, 1, 'float32', 9)) as tf.Tensor2D;
  assert.deepEqual(y.shape, [3, 16]);
  const norms = tf.norm(y, 2, 1).dataSync();
  for (const n of norms) assert.ok(Math.abs(n - 1) < 1e-5, `norm ${n}`);
  tf.dispose([y]);
  model.dispose();
});

test(`20 training steps on random data lower the loss and leak no tensors (${engine.backend})`, () => {
  const model = createReferenceHead({ seed: 1 });
  const optimizer = tf.train.adam(1e-3);
  // 4 triplets (12 embeddings) of the full-size reference head (the benchmark uses 32): the
  // loss must fall and the tensor count stay put from step 2 on.
  const inputs = tf.randomNormal([12, 12, 12, 512], 0, 1, 'float32', 5);
  const losses: number[] = [];
  let afterFirst = 0;
  for (let i = 0; i < 20; i++) {
    losses.push(trainStep(model, optimizer, { inputs, margins: 0.2 }));
    if (i === 0)
      afterFirst = tf.memory().numTensors; // the optimiser's slots exist from step 1
    else assert.equal(tf.memory().numTensors, afterFirst, `tensor count changed at step ${i}`);
  }
  const head = losses.slice(0, 3).reduce((a, b) => a + b) / 3;
  const tail = losses.slice(-3).reduce((a, b) => a + b) / 3;
  assert.ok(tail < head * 0.5, `loss ${head.toFixed(4)} → ${tail.toFixed(4)}`);
  inputs.dispose();
  optimizer.dispose();
  model.dispose();
});
