import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  calibrationFileOf,
  quantileSorted,
  randomPairDistanceQuantiles,
  similarityPercentile,
} from './calibration.js';

test('quantileSorted interpolates like numpy (hand values)', () => {
  const s = [1, 2, 4, 8];
  assert.equal(quantileSorted(s, 0), 1);
  assert.equal(quantileSorted(s, 1), 8);
  assert.equal(quantileSorted(s, 0.5), 3); // pos 1.5 → (2 + 4) / 2
  assert.ok(Math.abs(quantileSorted(s, 0.25) - 1.75) < 1e-12); // pos 0.75 → 1 + 0.75 · 1
});

test('random pair distances: three points on a line, every pair distance is 1, 2 or 3', () => {
  // 1-d embeddings 0, 1, 3: pair distances 1 (0–1), 2 (1–3), 3 (0–3), each 1/3 of pairs.
  const q = randomPairDistanceQuantiles(Float32Array.from([0, 1, 3]), 3, 1, {
    pairs: 30_000,
    quantiles: 5,
  });
  assert.equal(q.length, 5);
  assert.equal(q[0], 1);
  assert.equal(q[4], 3);
  assert.equal(q[2], 2); // the median pair
  for (let i = 1; i < q.length; i++) assert.ok(q[i] >= q[i - 1], 'ascending');
});

test('similarityPercentile: ends, middle and interpolation', () => {
  const q = [0, 1, 2, 3, 4]; // quantiles 0, .25, .5, .75, 1
  assert.equal(similarityPercentile(-1, q), 1);
  assert.equal(similarityPercentile(0, q), 1);
  assert.equal(similarityPercentile(2, q), 0.5);
  assert.equal(similarityPercentile(3.5, q), 0.125);
  assert.equal(similarityPercentile(9, q), 0);
});

test('calibration rejects too little data', () => {
  assert.throws(() => randomPairDistanceQuantiles(new Float32Array(4), 1, 4), RangeError);
});

test('the calibration file: format, where it came from, distances to six decimals', () => {
  const f = calibrationFileOf({
    dataset: 'data/fer',
    split: 'test',
    images: 12,
    randomPairDistances: [0.1234567891, 0.5, 1.9999999],
  });
  assert.deepEqual(f, {
    format: 'exprsim-calibration',
    version: 1,
    what: 'Euclidean distances between random pairs of distinct images, as 3 quantiles',
    dataset: 'data/fer',
    split: 'test',
    images: 12,
    randomPairDistances: [0.123457, 0.5, 2],
  });
});
