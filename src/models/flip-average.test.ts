import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { averageUnitRows, averageUnitTensors } from './flip-average.js';

describe('flip averaging', () => {
  it('averages two unit rows and scales the sum back to unit length (hand-computed)', () => {
    // (1, 0) and (0, 1) → (1, 1)/√2; (0.6, 0.8) with itself → itself; opposite rows → zeros.
    const a = Float32Array.from([1, 0, 0.6, 0.8, 1, 0]);
    const b = Float32Array.from([0, 1, 0.6, 0.8, -1, 0]);
    const out = averageUnitRows(a, b, 2);
    const r = Math.SQRT1_2;
    [r, r, 0.6, 0.8, 0, 0].forEach((v, i) => assert.ok(Math.abs(out[i] - v) < 1e-6, `${i}`));
    assert.throws(() => averageUnitRows(a, b.subarray(2), 2), { code: 'E_BAD_OPTION' });
  });

  it('gives the same rows on tensors, without leaking tensors', () => {
    const a = tf.tensor2d([1, 0, 0.6, 0.8], [2, 2]);
    const b = tf.tensor2d([0, 1, 0.6, 0.8], [2, 2]);
    const before = tf.memory().numTensors;
    const y = averageUnitTensors(a, b);
    const want = averageUnitRows(a.dataSync() as Float32Array, b.dataSync() as Float32Array, 2);
    [...y.dataSync()].forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6));
    y.dispose();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([a, b]);
  });
});
