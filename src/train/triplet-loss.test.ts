import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  fecTripletLoss,
  tripletMarginLoss,
  tripletMargins,
  tripletDistances,
} from './triplet-loss.js';

await tf.setBackend('cpu');

// Two triplets in 2-d, rows (a, p, n):
//  #0 a=(0,0) p=(1,0) n=(0,2): d(a,p)=1, d(a,n)=4, d(p,n)=5 → both hinges inactive.
//  #1 a=(0,0) p=(2,0) n=(1,0): d(a,p)=4, d(a,n)=1, d(p,n)=1 → each hinge is 4 − 1 + δ.
const rows = [
  [0, 0],
  [1, 0],
  [0, 2],
  [0, 0],
  [2, 0],
  [1, 0],
];

test('squared distances per triplet', () => {
  const { ap, an, pn } = tripletDistances(tf.tensor2d(rows));
  assert.deepEqual(Array.from(ap.dataSync()), [1, 4]);
  assert.deepEqual(Array.from(an.dataSync()), [4, 1]);
  assert.deepEqual(Array.from(pn.dataSync()), [5, 1]);
});

test('FECNet loss with per-triplet margins', () => {
  // #0 → 0; #1 with δ = 0.1 → (3.1) + (3.1) = 6.2; mean over 2 = 3.1.
  const loss = fecTripletLoss(tf.tensor2d(rows), tf.tensor1d([0.2, 0.1]));
  assert.ok(Math.abs(loss.dataSync()[0] - 3.1) < 1e-6);
});

test('FECNet loss: a hinge on the positive side alone', () => {
  // a=(0,0) p=(1,0) n=(1,1): d(a,p)=1, d(a,n)=2, d(p,n)=1 → hinge 1 off, hinge 2 = 1 − 1 + 0.2.
  const loss = fecTripletLoss(
    tf.tensor2d([
      [0, 0],
      [1, 0],
      [1, 1],
    ]),
    0.2,
  );
  assert.ok(Math.abs(loss.dataSync()[0] - 0.2) < 1e-6);
});

test('standard triplet margin loss on L2 distances', () => {
  // #0: 1 − 2 + 1 = 0; #1: 2 − 1 + 1 = 2; mean 1 (eps shifts this by < 1e-5).
  const loss = tripletMarginLoss(tf.tensor2d(rows), 1);
  assert.ok(Math.abs(loss.dataSync()[0] - 1) < 1e-5);
});

test('margins by triplet type', () => {
  assert.deepEqual(
    tripletMargins(['ONE_CLASS_TRIPLET', 'TWO_CLASS_TRIPLET', 'THREE_CLASS_TRIPLET']),
    [0.1, 0.2, 0.2],
  );
  assert.deepEqual(tripletMargins(['ONE_CLASS_TRIPLET'], { oneClass: 0.05 }), [0.05]);
});

test('losses leak no tensors', () => {
  const e = tf.tensor2d(rows);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) {
    fecTripletLoss(e, 0.2).dispose();
    tripletMarginLoss(e).dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});
