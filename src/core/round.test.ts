import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roundTo, roundedBox } from './round.js';

test('roundTo rounds to the given decimals, halves up', () => {
  assert.equal(roundTo(1.23456, 2), 1.23);
  assert.equal(roundTo(12.25, 1), 12.3);
  assert.equal(roundTo(0.123456789, 6), 0.123457);
  assert.equal(roundTo(7.5, 0), 8);
});

test('roundedBox rounds every edge: 0.01 px by default, or the digits given', () => {
  const b = { x: 10.123, y: -3.456, width: 99.994, height: 50.05 };
  assert.deepEqual(roundedBox(b), { x: 10.12, y: -3.46, width: 99.99, height: 50.05 });
  assert.deepEqual(roundedBox(b, 1), { x: 10.1, y: -3.5, width: 100, height: 50.1 });
});
