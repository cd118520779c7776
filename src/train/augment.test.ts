import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../engine/backend.js';
import { AUGMENT_PARAMS, applyAugment, augmentParams, resolveAugment } from './augment.js';
import { resolveTrainConfig } from './config.js';

await initEngine();

const NONE = { flip: false, shift: 0, scale: 0, brightness: 0, contrast: 0, blur: 0 };
const P = AUGMENT_PARAMS;

/** A 1-channel 3x4 image whose pixel (y, x) is 10y + x. */
const img = () => tf.tensor4d([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23], [1, 3, 4, 1]);

test('no flip, no shift leaves the image exactly as it is; a flip mirrors it left-right', async () => {
  const x = img();
  const same = applyAugment(x, Float32Array.from([0, 0, 0, 1, 0, 1, 0]));
  assert.deepEqual(Array.from(await same.data()), Array.from(await x.data()));
  const flipped = applyAugment(x, Float32Array.from([1, 0, 0, 1, 0, 1, 0]));
  assert.deepEqual(Array.from(await flipped.data()), [3, 2, 1, 0, 13, 12, 11, 10, 23, 22, 21, 20]);
  tf.dispose([x, same, flipped]);
});

test('a zoom samples a box of `side` around the centre (hand values)', async () => {
  // A 1x5 row 0, 10, 20, 30, 40 (w - 1 = 4 steps). side 1.5 zooms out: the box runs from -0.25
  // to 1.25 of the row, sampled at 5 points: x = -1, 0.5, 2, 3.5, 5 → black, 5, 20, 35, black.
  const row = tf.tensor4d([0, 10, 20, 30, 40], [1, 1, 5, 1]);
  const out = applyAugment(row, Float32Array.from([0, 0, 0, 1.5, 0, 1, 0]));
  const got = Array.from(await out.data()).map((v) => Math.round(v * 1000) / 1000);
  assert.deepEqual(got, [0, 5, 20, 35, 0]);
  // side 0.5 zooms in: the box runs from 0.25 to 0.75: x = 1, 1.5, 2, 2.5, 3.
  const zin = applyAugment(row, Float32Array.from([0, 0, 0, 0.5, 0, 1, 0]));
  assert.deepEqual(Array.from(await zin.data()), [10, 15, 20, 25, 30]);
  tf.dispose([row, out, zin]);
});

test('scale draws sides in 1 ± scale from its own stream: flips and shifts are as without it', () => {
  const plain = augmentParams({ ...NONE, flip: true, shift: 0.1 }, 3, 5, 50);
  const zoomed = augmentParams({ ...NONE, flip: true, shift: 0.1, scale: 0.2 }, 3, 5, 50);
  for (let i = 0; i < 50; i++) {
    for (let k = 0; k < 3; k++) assert.equal(zoomed[P * i + k], plain[P * i + k]);
    const side = zoomed[P * i + 3];
    assert.ok(side >= 0.8 && side <= 1.2, String(side));
  }
  assert.ok(new Set(Array.from({ length: 50 }, (_, i) => zoomed[P * i + 3])).size > 40);
});

test('a shift moves the content and fills the border with black', async () => {
  const x = img();
  // dx = 1/3 of the side: with w - 1 = 3 sample steps, content moves right by one pixel.
  const right = applyAugment(x, Float32Array.from([0, 0, 1 / 3, 1, 0, 1, 0]));
  const got = Array.from(await right.data()).map((v) => Math.round(v * 1000) / 1000);
  assert.deepEqual(got, [0, 0, 1, 2, 0, 10, 11, 12, 0, 20, 21, 22]);
  // dy = 1/2: with h - 1 = 2 steps, content moves down by one row.
  const down = applyAugment(x, Float32Array.from([0, 0.5, 0, 1, 0, 1, 0]));
  const d = Array.from(await down.data()).map((v) => Math.round(v * 1000) / 1000);
  assert.deepEqual(d, [0, 0, 0, 0, 0, 1, 2, 3, 10, 11, 12, 13]);
  tf.dispose([x, right, down]);
});

test('parameters depend on (seed, step) only; options are checked; no tensors leak', () => {
  const cfg = { ...NONE, flip: true, shift: 0.1 };
  const a = augmentParams(cfg, 1, 7, 96);
  assert.deepEqual(a, augmentParams(cfg, 1, 7, 96));
  assert.notDeepEqual(a, augmentParams(cfg, 1, 8, 96));
  const flips = a.filter((_, i) => i % P === 0);
  assert.ok(flips.every((f) => f === 0 || f === 1));
  assert.ok(flips.some((f) => f === 1) && flips.some((f) => f === 0));
  const neutral = (i: number) => (i % P === 3 || i % P === 5 ? 1 : 0);
  assert.ok(
    a.every(
      (v, i) => i % P === 0 || (i % P === 1 || i % P === 2 ? Math.abs(v) <= 0.1 : v === neutral(i)),
    ),
  );
  const off = augmentParams(NONE, 1, 7, 4);
  assert.ok(off.every((v, i) => v === neutral(i)));
  assert.deepEqual(resolveAugment({ flip: true }), { ...NONE, flip: true });
  assert.throws(() => resolveAugment({ brightness: 0.7 }), { code: 'E_BAD_OPTION' });
  assert.throws(() => resolveAugment({ blur: -1 }), { code: 'E_BAD_OPTION' });
  assert.throws(() => resolveAugment({ scale: 0.6 }), { code: 'E_BAD_OPTION' });
  assert.equal(resolveAugment(undefined), undefined);
  assert.throws(() => resolveAugment({ shift: 0.9 }), { code: 'E_BAD_OPTION' });
  assert.throws(() => resolveAugment({ flip: 'yes' }), { code: 'E_BAD_OPTION' });
  const x = tf.zeros([96, 8, 8, 1]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) applyAugment(x, a).dispose();
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
});

test('a run augments pixel inputs only; config.json without augment means none', () => {
  const base = { head: 'se-densenet', headConfig: { preset: 'shallow' }, triplets: 'data/fer' };
  const px = resolveTrainConfig(
    { ...base, input: { kind: 'pixels', shape: [48, 48, 1] }, augment: { flip: true } },
    [48, 48, 1],
  );
  assert.deepEqual(px.augment, { ...NONE, flip: true });
  const none = resolveTrainConfig(
    { ...base, input: { kind: 'pixels', shape: [48, 48, 1] }, augment: { flip: false } },
    [48, 48, 1],
  );
  assert.equal(none.augment, undefined, 'an augmentation that changes nothing is left out');
  assert.throws(
    () =>
      resolveTrainConfig(
        { ...base, input: { kind: 'features', cache: 'c' }, augment: { shift: 0.1 } },
        [7, 7, 256],
      ),
    (e: Error & { code?: string }) => e.code === 'E_BAD_OPTION' && /pixel inputs/.test(e.message),
  );
});

test('brightness, contrast and blur change values by hand-computed amounts, clipped to the range', async () => {
  // A 1x4 row 0.2, 0.4, 0.6, 0.8 in 0..1 (mean 0.5).
  const row = tf.tensor4d([0.2, 0.4, 0.6, 0.8], [1, 1, 4, 1]);
  const round = async (t: tf.Tensor) =>
    Array.from(await t.data()).map((v) => Math.round(v * 1e4) / 1e4);
  // Brightness +0.1 of the range.
  const bright = applyAugment(row, Float32Array.from([0, 0, 0, 1, 0.1, 1, 0]));
  assert.deepEqual(await round(bright), [0.3, 0.5, 0.7, 0.9]);
  // Contrast ×1.5 around the mean 0.5: 0.05, 0.35, 0.65, 0.95.
  const contrast = applyAugment(row, Float32Array.from([0, 0, 0, 1, 0, 1.5, 0]));
  assert.deepEqual(await round(contrast), [0.05, 0.35, 0.65, 0.95]);
  // Both, then clipped: (v − 0.5) × 2 + 0.5 + 0.3 → 0.2, 0.6, 1.0, 1.4 → 0.2, 0.6, 1, 1;
  // with −0.3 instead: −0.4, 0, 0.4, 0.8 → 0, 0, 0.4, 0.8.
  const clipped = applyAugment(row, Float32Array.from([0, 0, 0, 1, 0.3, 2, 0]));
  assert.deepEqual(await round(clipped), [0.2, 0.6, 1, 1]);
  const low = applyAugment(row, Float32Array.from([0, 0, 0, 1, -0.3, 2, 0]));
  assert.deepEqual(await round(low), [0, 0, 0.4, 0.8]);
  // In 0..255 a brightness share is of 255: +0.1 → +25.5.
  const wide = tf.tensor4d([100, 100, 100, 100], [1, 1, 4, 1]);
  const w = applyAugment(wide, Float32Array.from([0, 0, 0, 1, 0.1, 1, 0]), { lo: 0, hi: 255 });
  assert.deepEqual(await round(w), [125.5, 125.5, 125.5, 125.5]);
  // Blur: a 3x3 image with a single 16 in the centre, edges mirrored: the binomial kernel's
  // weights 1 2 1 / 2 4 2 / 1 2 1 (÷16) appear around it; then the mean is kept (contrast 1).
  const dot = tf.tensor4d([0, 0, 0, 0, 16, 0, 0, 0, 0], [1, 3, 3, 1]);
  const soft = applyAugment(dot, Float32Array.from([0, 0, 0, 1, 0, 1, 1]), { lo: 0, hi: 255 });
  assert.deepEqual(await round(soft), [1, 2, 1, 2, 4, 2, 1, 2, 1]);
  // Blur only where the image's flag is set.
  const two = tf.concat([dot, dot]) as tf.Tensor4D;
  const half = applyAugment(two, Float32Array.from([0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0]), {
    lo: 0,
    hi: 255,
  });
  assert.deepEqual((await round(half)).slice(9), [0, 0, 0, 0, 16, 0, 0, 0, 0]);
  tf.dispose([row, bright, contrast, clipped, low, wide, w, dot, soft, two, half]);
});

test('photometric draws come from their own stream: geometry is as without them', () => {
  const geo = { ...NONE, flip: true, shift: 0.1, scale: 0.2 };
  const plain = augmentParams(geo, 3, 5, 200);
  const photo = augmentParams({ ...geo, brightness: 0.1, contrast: 0.2, blur: 0.25 }, 3, 5, 200);
  let blurred = 0;
  for (let i = 0; i < 200; i++) {
    for (let k = 0; k < 4; k++) assert.equal(photo[P * i + k], plain[P * i + k]);
    assert.ok(Math.abs(photo[P * i + 4]) <= 0.1);
    assert.ok(Math.abs(photo[P * i + 5] - 1) <= 0.2);
    assert.ok(photo[P * i + 6] === 0 || photo[P * i + 6] === 1);
    blurred += photo[P * i + 6];
  }
  assert.ok(blurred > 25 && blurred < 75, `${blurred} of 200 blurred at p = 0.25`);
});
