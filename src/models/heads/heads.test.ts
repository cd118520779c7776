import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../engine/backend.js';
import { trainStep } from '../../train/train-step.js';
import { fecTripletLoss } from '../../train/triplet-loss.js';
import { createHead, HEAD_NAMES, type HeadName } from './registry.js';
import { loadModel, saveModel } from '../artifact.js';

// Every head, small: feature maps [7, 7, 64] and raw 32x32 grayscale pixels; the five at their
// shallow preset, FECNet narrowed (stem 128, growth 32, FC 128; its paper layout is checked
// below without training). Batches are triplets laid out (a, p, n, a, p, n).
const engine = await initEngine();

const FEATURES: [number, number, number] = [7, 7, 64];
const PIXELS: [number, number, number] = [32, 32, 1];

function small(name: HeadName, inputMode: 'features' | 'pixels' = 'features') {
  const inputShape = inputMode === 'pixels' ? PIXELS : FEATURES;
  return name === 'fecnet'
    ? createHead('fecnet', {
        inputMode,
        inputShape,
        seed: 3,
        stemChannels: 128,
        growth: 32,
        hiddenUnits: 128,
      })
    : createHead(name, { preset: 'shallow', inputMode, inputShape, seed: 3 });
}

function assertUnitRows(y: tf.Tensor, label: string) {
  const norms = tf.tidy(() => tf.norm(y, 2, 1).dataSync());
  for (const n of norms) assert.ok(Math.abs(n - 1) < 1e-5, `${label}: norm ${n}`);
}

for (const name of HEAD_NAMES) {
  test(`${name}: [B, 16] unit-norm embeddings from feature maps and from pixels (${engine.backend})`, () => {
    for (const mode of ['features', 'pixels'] as const) {
      const model = small(name, mode);
      const shape = mode === 'pixels' ? PIXELS : FEATURES;
      const x = tf.randomNormal([3, ...shape], 0, 1, 'float32', 1);
      const y = model.predict(x) as tf.Tensor;
      assert.deepEqual(y.shape, [3, 16], `${mode}`);
      assertUnitRows(y, `${name} ${mode}`);
      tf.dispose([x, y]);
      model.dispose();
    }
  });

  test(`${name}: every trainable weight gets a nonzero gradient from the triplet loss`, () => {
    const model = small(name);
    const x = tf.randomNormal([6, ...FEATURES], 0, 1, 'float32', 2);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    // Margin 5 > 4 ≥ any squared distance of unit vectors: every hinge is active.
    const { value, grads } = tf.variableGrads(
      () => fecTripletLoss(model.apply(x, { training: true }) as tf.Tensor2D, 5),
      vars,
    );
    const dead: string[] = [];
    for (const v of vars) {
      const g = grads[v.name];
      if (g === undefined || tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]) === 0)
        dead.push(v.name);
    }
    assert.deepEqual(dead, [], `weights without gradient: ${dead.join(', ')}`);
    assert.ok(vars.length > 5);
    tf.dispose([value, x, ...Object.values(grads)]);
    model.dispose();
  });

  test(`${name}: no tensor leaks over repeated predict and train steps; save → load gives identical embeddings`, async () => {
    const model = small(name);
    const optimizer = tf.train.adam(1e-3);
    const x = tf.randomNormal([6, ...FEATURES], 0, 1, 'float32', 3);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(model.predict(x));
    assert.equal(tf.memory().numTensors, before, 'predict leaked');
    let afterFirst = 0;
    for (let i = 0; i < 3; i++) {
      const loss = trainStep(model, optimizer, { inputs: x, margins: 0.2 });
      assert.ok(Number.isFinite(loss));
      if (i === 0)
        afterFirst = tf.memory().numTensors; // Adam's slots exist from step 1
      else assert.equal(tf.memory().numTensors, afterFirst, `train step ${i} leaked`);
    }
    // Trained a little, so the batch-norm statistics are not at their initial values.
    const dir = await mkdtemp(join(tmpdir(), `exprsim-${name}-`));
    try {
      await saveModel(model, dir, { backbone: { name: 'test-backbone', version: '1' } });
      const { model: loaded, manifest } = await loadModel(dir);
      assert.equal(manifest.head.name, name);
      const diff = tf.tidy(
        () =>
          tf
            .max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor)))
            .dataSync()[0],
      );
      assert.equal(diff, 0);
      loaded.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    tf.dispose(x);
    optimizer.dispose();
    model.dispose();
  });
}

const convs = (m: tf.LayersModel) => m.layers.filter((l) => l.getClassName() === 'Conv2D');
const named = (m: tf.LayersModel, re: RegExp) => m.layers.filter((l) => re.test(l.name));

test("fecnet's paper layout: 1x1 conv 512, 5 layers of growth 64 (832 channels), FC 512, FC 16", () => {
  const m = createHead('fecnet', { inputShape: FEATURES });
  assert.deepEqual(m.getLayer('stem_conv').outputShape, [null, 7, 7, 512]);
  assert.equal(named(m, /^b1_l\d+_conv3$/).length, 5);
  assert.deepEqual(m.getLayer('b1_l1_conv1').outputShape, [null, 7, 7, 256]);
  assert.deepEqual(m.getLayer('b1_l5_concat').outputShape, [null, 7, 7, 832]);
  assert.deepEqual(m.getLayer('fc_hidden').outputShape, [null, 512]);
  assert.deepEqual(m.getLayer('embedding').outputShape, [null, 16]);
  m.dispose();
});

test('presets: deep has 4 layers a block at growth 32, shallow 2 at growth 16', () => {
  for (const [preset, n, k] of [
    ['deep', 4, 32],
    ['shallow', 2, 16],
  ] as const) {
    const m = createHead('densenet', { preset, inputShape: FEATURES });
    // stem + 3 blocks × n layers × 2 convs + 2 transitions
    assert.equal(convs(m).length, 1 + 3 * n * 2 + 2, preset);
    assert.equal(named(m, /^b1_l\d+_conv3$/).length, n);
    const out = m.getLayer('b1_l1_conv3').outputShape as number[];
    assert.equal(out[3], k);
    // 7x7 → 'same' pools → 4x4 → 2x2
    assert.deepEqual(m.getLayer('t1_pool').outputShape, [null, 4, 4, (2 * k + n * k) / 2]);
    assert.deepEqual((m.getLayer('t2_pool').outputShape as number[]).slice(1, 3), [2, 2]);
    m.dispose();
  }
});

test('less-densenet alternates bottleneck (even) and basic (odd) layers, extra dropout on the basic', () => {
  const m = createHead('less-densenet', {
    preset: 'deep',
    inputShape: FEATURES,
    dropout: 0.1,
    extraDropout: 0.3,
  });
  for (let blk = 1; blk <= 3; blk++) {
    for (let i = 1; i <= 4; i++) {
      const bottleneck = i % 2 === 1; // 1st, 3rd: index 0, 2
      assert.equal(named(m, new RegExp(`^b${blk}_l${i}_conv1$`)).length, bottleneck ? 1 : 0);
      const drop = m.getLayer(`b${blk}_l${i}_drop3`).getConfig().rate;
      assert.equal(drop, bottleneck ? 0.1 : 0.3);
    }
  }
  assert.equal(convs(m).length, 1 + 3 * (2 * 2 + 2) + 2);
  m.dispose();
});

test('se-densenet has an SE block in every dense layer, reducing by 16', () => {
  const m = createHead('se-densenet', { preset: 'deep', inputShape: FEATURES });
  assert.equal(named(m, /_se_scale$/).length, 12);
  // Layer 1 of block 1 reads the 64-channel stem: FC 4, FC 64.
  assert.deepEqual(m.getLayer('b1_l1_se_fc1').outputShape, [null, 4]);
  assert.deepEqual(m.getLayer('b1_l1_se_fc2').outputShape, [null, 64]);
  m.dispose();
});

test('attention-densenet gates each transition with a [h, w, 1] sigmoid map', () => {
  const m = createHead('attention-densenet', { preset: 'shallow', inputShape: FEATURES });
  assert.deepEqual(m.getLayer('att1_sigmoid').outputShape, [null, 4, 4, 1]);
  assert.deepEqual(m.getLayer('att2_sigmoid').outputShape, [null, 2, 2, 1]);
  assert.deepEqual(m.getLayer('att1_scale').outputShape, m.getLayer('t1_pool').outputShape);
  m.dispose();
});

test('skip-densenet concatenates the pooled projection of transition 1 before block 3', () => {
  const m = createHead('skip-densenet', { preset: 'shallow', inputShape: FEATURES });
  // t2 output: 2x2 with ⌊(32 + 2·16 … )/2⌋ channels; skip: 2x2x32 (2 × growth).
  const t2 = m.getLayer('t2_pool').outputShape as number[];
  assert.deepEqual(m.getLayer('skip1_pool1').outputShape, [null, 2, 2, 32]);
  assert.deepEqual(m.getLayer('skip_concat').outputShape, [null, 2, 2, t2[3] + 32]);
  assert.equal(m.getLayer('skip1_drop').getConfig().rate, 0.2);
  m.dispose();
});

test('pixel mode trains through a strided 3x3 stem (32x32 RGB, stemStride 2)', () => {
  const m = createHead('densenet', {
    preset: 'shallow',
    inputMode: 'pixels',
    inputShape: [32, 32, 3],
    stemStride: 2,
  });
  assert.deepEqual(m.getLayer('stem_conv').outputShape, [null, 16, 16, 32]);
  const x = tf.randomUniform([6, 32, 32, 3], 0, 1, 'float32', 4);
  const stem = m.getLayer('stem_conv').trainableWeights[0].read() as tf.Variable;
  const { value, grads } = tf.variableGrads(
    () => fecTripletLoss(m.apply(x, { training: true }) as tf.Tensor2D, 5),
    [stem],
  );
  assert.ok(Number.isFinite(value.dataSync()[0]));
  assert.ok(tf.tidy(() => tf.max(tf.abs(grads[stem.name])).dataSync()[0]) > 0);
  tf.dispose([value, x, ...Object.values(grads)]);
  m.dispose();
});
