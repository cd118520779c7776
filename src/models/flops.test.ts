import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../engine/backend.js';
import { countFlops, countParams } from './flops.js';
import { createHead } from './heads/registry.js';

// Building models only: the plain cpu backend is enough.
await initEngine({ backend: 'cpu' });

test('FLOPs of a tiny model, by hand', () => {
  const input = tf.input({ shape: [5, 5, 3] });
  // 3x3 valid conv 3 → 4: output 3x3x4, each 3·3·3 MACs: 9 · 4 · 27 = 972
  let x = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'valid' })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  // 3x3 'same' stride 2 conv 4 → 2 on 3x3: output 2x2x2, each 3·3·4: 4 · 2 · 36 = 288
  x = tf.layers
    .conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' })
    .apply(x) as tf.SymbolicTensor;
  // depthwise 3x3, multiplier 2 on 2x2x2 'same': output 2x2x4, each 9 MACs: 4 · 4 · 9 = 144
  x = tf.layers
    .depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' })
    .apply(x) as tf.SymbolicTensor;
  // dense 4 → 3 applied at each of the 2x2 positions: 4 · 12 = 48
  x = tf.layers.dense({ units: 3 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  // dense 3 → 2: 6
  const out = tf.layers.dense({ units: 2 }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const c = countFlops(model);
  assert.deepEqual(
    c.layers.map((l) => l.macs),
    [972, 288, 144, 48, 6],
  );
  assert.equal(c.macs, 1458);
  assert.equal(c.flops, 2916);
  // params: conv 3·3·3·4 + 4, BN 4·4 (2 trainable), conv 3·3·4·2 + 2, depthwise 3·3·2·2 + 4,
  // dense 4·3 + 3, dense 3·2 + 2
  const p = countParams(model);
  assert.equal(p.total, 112 + 16 + 74 + 40 + 15 + 8);
  assert.equal(p.trainable, p.total - 8);
  model.dispose();
});

test('nested models are counted through', () => {
  const inner = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 5 })] });
  const input = tf.input({ shape: [4] });
  const out = tf.layers.dense({ units: 2 }).apply(inner.apply(input)) as tf.SymbolicTensor;
  assert.equal(countFlops(tf.model({ inputs: input, outputs: out })).flops, 2 * (20 + 10));
});

test("FLOPs of a tiny FECNet head, by hand (stem, one dense layer, FCs; 'same' convs)", () => {
  const m = createHead('fecnet', {
    inputShape: [4, 4, 8],
    stemChannels: 8,
    layers: 1,
    growth: 4,
    bottleneckWidth: 2,
    hiddenUnits: 5,
    embeddingSize: 3,
  });
  // stem 1x1 8→8 at 4x4: 1024; conv1 1x1 8→8: 1024; conv3 3x3 8→4: 16·72·4 = 4608;
  // FC 12→5: 60; FC 5→3: 15
  assert.equal(countFlops(m).macs, 1024 + 1024 + 4608 + 60 + 15);
  m.dispose();
});
