import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { pairwiseSquaredDistances, retrievalMetrics } from './retrieval.js';

await tf.setBackend('cpu');

// Four 1-d points 0, 1, 3, 6 labelled A, A, B, B. Rankings (squared distance, ties by index):
//  q0 (A): 1 (A, 1), 2 (B, 9), 3 (B, 36)        → AP 1,   P@1 1, 1-NN A ✓
//  q1 (A): 0 (A, 1), 2 (B, 4), 3 (B, 25)        → AP 1,   P@1 1, 1-NN A ✓
//  q2 (B): 1 (A, 4), 0 (A, 9), 3 (B, 9)         → AP 1/3, P@1 0, 1-NN A ✗
//  q3 (B): 2 (B, 9), 1 (A, 25), 0 (A, 36)       → AP 1,   P@1 1, 1-NN B ✓
const emb = Float32Array.from([0, 1, 3, 6]);
const labels = ['A', 'A', 'B', 'B'];

test('pairwise squared distances', () => {
  const d = pairwiseSquaredDistances(emb, 4, 1);
  assert.deepEqual(Array.from(d), [0, 1, 9, 36, 1, 0, 4, 25, 9, 4, 0, 9, 36, 25, 9, 0]);
});

test('precision@k, mAP and k-NN accuracy, by hand', () => {
  const m = retrievalMetrics(pairwiseSquaredDistances(emb, 4, 1), labels, { ks: [1, 2], knnK: 1 });
  assert.equal(m.images, 4);
  assert.deepEqual(m.labels, { A: 2, B: 2 });
  assert.equal(m.precisionAt['1'], 3 / 4);
  // P@2: q0 1/2, q1 1/2, q2 0, q3 1/2 → 1.5/4.
  assert.equal(m.precisionAt['2'], 1.5 / 4);
  assert.ok(Math.abs(m.map - (1 + 1 + 1 / 3 + 1) / 4) < 1e-12);
  assert.deepEqual(m.mapByLabel.A, 1);
  assert.ok(Math.abs(m.mapByLabel.B - 2 / 3) < 1e-12);
  assert.ok(Math.abs(m.mapMacro - 5 / 6) < 1e-12);
  assert.equal(m.knn.accuracy, 3 / 4);
});

test('k-NN ties go to the label met first in rank order', () => {
  // k = 2: q0's neighbours A (rank 1), B (rank 2): tie 1–1 → A ✓; q2: A, A → A ✗;
  // q1: A, B → A ✓; q3: B, A → B ✓.
  const m = retrievalMetrics(pairwiseSquaredDistances(emb, 4, 1), labels, { ks: [1], knnK: 2 });
  assert.equal(m.knn.accuracy, 3 / 4);
});

test('distances leak no tensors', () => {
  const before = tf.memory().numTensors;
  pairwiseSquaredDistances(emb, 4, 1);
  assert.equal(tf.memory().numTensors, before);
});
