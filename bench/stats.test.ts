import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, metricMedians, quantile, sameRoundRatios } from './stats.js';

test('median of odd and even counts', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('quantile interpolates between order statistics', () => {
  const xs = [50, 10, 40, 20, 30];
  assert.equal(quantile(xs, 0), 10);
  assert.equal(quantile(xs, 1), 50);
  assert.equal(quantile(xs, 0.5), median(xs));
  assert.equal(quantile(xs, 0.1), 14);
  assert.equal(quantile(xs, 0.9), 46);
  assert.equal(quantile([7], 0.9), 7);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

test('metricMedians and sameRoundRatios by hand', () => {
  const perRound = new Map([
    ['a', [{ x: 4, y: 1 }, { x: 6 }, { x: 9, y: 3 }]],
    ['b', [{ x: 2, y: 2 }, { x: 3, y: 1 }, { x: 3 }]],
  ]);
  assert.deepEqual(metricMedians(perRound.get('a')!, ['x', 'y']), { x: 6, y: 2 });
  assert.deepEqual(metricMedians([{}], ['x']), {});
  // x: 4/2, 6/3, 9/3 → 2, 2, 3; y: only round 0 has both → 0.5.
  assert.deepEqual(sameRoundRatios(perRound, [['a', 'b']], ['x', 'y']), [
    { a: 'a', b: 'b', metric: 'x', median: 2, perRound: [2, 2, 3] },
    { a: 'a', b: 'b', metric: 'y', median: 0.5, perRound: [0.5] },
  ]);
});
