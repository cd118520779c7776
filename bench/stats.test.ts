import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, quantile } from './stats.js';

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
