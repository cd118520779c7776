import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../engine/backend.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import { referencePattern } from './reference-pattern.js';
import { BACKBONE_NAMES, backboneFromRef, createBackbone } from './registry.js';
import type { Backbone } from './types.js';

await initEngine();

const reference = JSON.parse(
  readFileSync(join(PACKAGE_ROOT, 'test/fixtures/features/faceapi-reference.json'), 'utf8'),
) as { descriptor150: number[]; expression112: number[] };

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

const rec = await createBackbone('faceapi-recognition');
const expr = await createBackbone('faceapi-expression');
test.after(() => {
  rec.dispose();
  expr.dispose();
});

const pattern = (b: Backbone) => {
  const s = b.inputShape[0];
  return tf.tensor4d(referencePattern(s), [1, s, s, 3]);
};

test('faceapi-recognition reproduces face-api 1.7.15’s 128-d descriptor', async () => {
  const x = pattern(rec);
  const { features, output } = rec.forward(x);
  assert.deepEqual(output.shape, [1, 128]);
  assert.deepEqual(features.shape, [1, 4, 4, 256]);
  const d = await output.data();
  // Reference values are ~0.1; folding the scale layers into the convs changes rounding only.
  assert.ok(
    maxAbsDiff(d, reference.descriptor150) < 1e-5,
    `max diff ${maxAbsDiff(d, reference.descriptor150)}`,
  );
  tf.dispose([x, features, output]);
});

test('faceapi-expression reproduces face-api 1.7.15’s expression probabilities', async () => {
  const x = pattern(expr);
  const { features, output } = expr.forward(x);
  assert.deepEqual(output.shape, [1, 7]);
  assert.deepEqual(features.shape, [1, 7, 7, 256]);
  const p = (await output.data()) as Float32Array;
  assert.ok(maxAbsDiff(p, reference.expression112) < 1e-5);
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  tf.dispose([x, features, output]);
});

test('features() equals the feature map of forward() and the advertised shape', async () => {
  for (const b of [rec, expr]) {
    const x = tf.randomUniform([2, ...b.inputShape], 0, 255, 'float32', 3) as tf.Tensor4D;
    const f = b.features(x);
    const full = b.forward(x);
    assert.deepEqual(f.shape, [2, ...b.featureShape]);
    assert.ok(maxAbsDiff(await f.data(), await full.features.data()) < 1e-5);
    tf.dispose([x, f, full.features, full.output]);
  }
});

test('every layer has its documented shape', async () => {
  const shapes: Record<string, [string, number, number[]][]> = {
    'faceapi-recognition': [
      ['conv64', 150, [17, 17, 64]],
      ['conv128', 150, [8, 8, 128]],
      ['conv256', 150, [4, 4, 256]],
      ['conv256_out', 150, [2, 2, 256]],
      ['conv256', 224, [6, 6, 256]],
    ],
    'faceapi-expression': [
      ['dense2', 112, [14, 14, 128]],
      ['dense3', 112, [7, 7, 256]],
    ],
  };
  for (const [name, list] of Object.entries(shapes)) {
    for (const [layer, inputSize, shape] of list) {
      const b = await createBackbone(name, { layer, inputSize });
      assert.deepEqual(b.featureShape, shape, `${name} ${layer} @${inputSize}`);
      assert.equal(b.version.split(':')[1], layer);
      assert.deepEqual(b.preprocess.size, [inputSize, inputSize]);
      b.dispose();
    }
  }
});

test('backbones do not leak tensors', () => {
  for (const b of [rec, expr]) {
    const x = tf.randomUniform([2, ...b.inputShape], 0, 255) as tf.Tensor4D;
    const warm = b.forward(x);
    tf.dispose([warm.features, warm.output]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.dispose(b.features(x));
      const r = b.forward(x);
      tf.dispose([r.features, r.output]);
    }
    assert.equal(tf.memory().numTensors, before, b.name);
    x.dispose();
  }
  const before = tf.memory().numTensors;
  return createBackbone('faceapi-expression').then((b) => {
    b.dispose();
    assert.equal(tf.memory().numTensors, before, 'create + dispose frees every weight');
  });
});

test('createBackbone: unknown names and bad options fail clearly', async () => {
  await assert.rejects(createBackbone('facenet'), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_UNKNOWN_NAME');
    for (const n of BACKBONE_NAMES)
      assert.match(String((e as { fix?: string }).fix), new RegExp(n));
    return true;
  });
  await assert.rejects(createBackbone('faceapi-recognition', { layer: 'conv512' }), {
    code: 'E_BAD_OPTION',
  });
  await assert.rejects(createBackbone('faceapi-expression', { inputSize: 150 }), {
    code: 'E_BAD_OPTION',
  });
  await assert.rejects(createBackbone('faceapi-recognition', { lyer: 'conv128' } as never), {
    code: 'E_BAD_OPTION',
  });
});

test('weights: missing or truncated shards and a changed version are reported', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-weights-'));
  try {
    await assert.rejects(createBackbone('faceapi-expression', { modelDir: dir }), {
      code: 'E_FILE_NOT_FOUND',
    });
    const src = join(PACKAGE_ROOT, 'models/faceapi-expression');
    await cp(src, join(dir, 'faceapi-expression'), { recursive: true });
    const bin = join(dir, 'faceapi-expression/face_expression_model.bin');
    const bytes = readFileSync(bin);
    await writeFile(bin, bytes.subarray(0, bytes.length - 10));
    await assert.rejects(createBackbone('faceapi-expression', { modelDir: dir }), {
      code: 'E_MODEL_FORMAT',
    });
    bytes[100] ^= 1; // same size, different weights → different version
    await writeFile(bin, bytes);
    await assert.rejects(backboneFromRef(expr.ref(), { modelDir: dir }), {
      code: 'E_BACKBONE_MISMATCH',
    });
    const again = await backboneFromRef(expr.ref());
    assert.equal(again.version, expr.version);
    again.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
