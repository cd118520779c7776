import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchDetections, median } from './bench.js';

const face = (x: number, y: number, s: number, score = 0.9) => ({
  box: { x, y, width: s, height: s },
  score,
});

test('matchDetections: hits, ignore regions and false positives', () => {
  const truth = [
    { x: 0, y: 0, width: 10, height: 10, ignore: false },
    { x: 100, y: 0, width: 10, height: 10, ignore: false },
    { x: 200, y: 0, width: 10, height: 10, ignore: true },
  ];
  const r = matchDetections(
    [
      face(1, 1, 10, 0.9), // IoU 81/119 = 0.68 with face 0: hit
      face(0, 0, 10, 0.8), // face 0 already taken, no ignore overlap: false positive
      face(200, 0, 10, 0.7), // on the ignore region: neither
      face(300, 0, 10, 0.6), // nothing there: false positive
      face(105, 0, 10, 0.5), // IoU 50/150 = 0.33 with face 1: below 0.5, false positive
    ],
    truth,
  );
  assert.equal(r.truePositives, 1);
  assert.equal(r.falsePositives, 3);
  assert.equal(r.faces, 2);
  assert.deepEqual(r.matched, [true, false]);
});

test('median of odd, even and empty lists', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});
