import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTick, linearScale, niceStep, niceTicks } from './scale.js';

test('niceStep picks 1, 2 or 5 × 10^k (hand values)', () => {
  assert.equal(niceStep(0, 10, 5), 2); // raw 2
  assert.equal(niceStep(0, 1, 5), 0.2);
  assert.equal(niceStep(0.55, 0.66, 5), 0.05); // raw 0.022 → 0.05
  assert.equal(niceStep(0, 3000, 5), 1000); // raw 600 → 1000
  assert.equal(niceStep(0, 700, 5), 200); // raw 140 → 200
});

test('niceTicks widens the domain to whole steps', () => {
  const t = niceTicks(0.553, 0.612, 5);
  assert.equal(t.step, 0.02);
  assert.deepEqual(t.ticks, [0.54, 0.56, 0.58, 0.6, 0.62]);
  assert.equal(t.lo, 0.54);
  assert.equal(t.hi, 0.62);
  assert.deepEqual(niceTicks(0, 2000, 4).ticks, [0, 500, 1000, 1500, 2000]);
  const flat = niceTicks(5, 5);
  assert.ok(flat.lo < 5 && flat.hi > 5, 'a flat series still gets a range');
});

test('linearScale and formatTick', () => {
  const s = linearScale(0, 10, 100, 0); // y axes run downwards
  assert.equal(s(0), 100);
  assert.equal(s(10), 0);
  assert.equal(s(2.5), 75);
  assert.equal(formatTick(0.6, 0.02), '0.60');
  assert.equal(formatTick(1500, 500), '1500');
  assert.equal(formatTick(0.5, 0.5), '0.5');
});
