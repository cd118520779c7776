import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../engine/backend.js';
import { forwardBatches } from './forward.js';

await initEngine();

/** Inputs i = 0..4 as 1x2x1 images [i, 10 i + 1]. */
const load = async (start: number, end: number) => {
  const v: number[] = [];
  for (let i = start; i < end; i++) v.push(i, 10 * i + 1);
  return tf.tensor4d(v, [end - start, 1, 2, 1]);
};
/** The two pixels as a 2-d vector, unchanged. */
const run = (x: tf.Tensor4D) => tf.reshape(x, [x.shape[0], 2]) as tf.Tensor2D;

test('forwardBatches: outputs in order over uneven batches, progress per batch', async () => {
  const done: number[] = [];
  const r = await forwardBatches({
    count: 5,
    batchSize: 2,
    load,
    run,
    onBatch: (n) => done.push(n),
  });
  assert.equal(r.dim, 2);
  assert.deepEqual(Array.from(r.data), [0, 1, 1, 11, 2, 21, 3, 31, 4, 41]);
  assert.deepEqual(done, [2, 4, 5]);
});

test('flip averaging: the normalised mean with the mirror image (hand values), no leaks', async () => {
  const before = tf.memory().numTensors;
  // Input 1 is [1, 11]; mirrored [11, 1]; sum [12, 12] → [1, 1] / √2.
  const r = await forwardBatches({ count: 3, batchSize: 2, load, run, averageFlip: true });
  const s = Math.SQRT1_2;
  for (const [i, want] of [
    [2, s],
    [3, s],
  ] as const)
    assert.ok(Math.abs(r.data[i] - want) < 1e-6, `${i}: ${r.data[i]}`);
  // A caller's own mirrored view is used instead of reversing.
  const own = await forwardBatches({
    count: 1,
    batchSize: 4,
    load,
    run,
    averageFlip: true,
    mirrored: async () => tf.tensor4d([0, 3], [1, 1, 2, 1]),
  });
  // [0, 1] + [0, 3] = [0, 4] → [0, 1].
  assert.deepEqual(Array.from(own.data), [0, 1]);
  assert.equal(tf.memory().numTensors, before);
});
