import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataOrder } from './data-order.js';
import { shardRanges } from './replicas.js';

test('every epoch visits each triplet once, in a seeded order that differs by epoch', () => {
  const o = new DataOrder(7, 10, 3); // 3 steps per epoch, 1 triplet dropped per epoch
  assert.equal(o.stepsPerEpoch, 3);
  const e0 = [0, 1, 2].flatMap((s) => o.batch(s));
  const e1 = [3, 4, 5].flatMap((s) => o.batch(s));
  assert.equal(new Set(e0).size, 9);
  assert.notDeepEqual(e0, e1);
  // A fresh instance (a resumed run) gives the same batches from the step alone.
  assert.deepEqual(new DataOrder(7, 10, 3).batch(4), o.batch(4));
  assert.notDeepEqual(new DataOrder(8, 10, 3).epochOrder(0), o.epochOrder(0));
});

test('fewer triplets than a batch: one batch of all of them per epoch', () => {
  const o = new DataOrder(1, 5, 8);
  assert.equal(o.stepsPerEpoch, 1);
  assert.equal(o.batch(0).length, 5);
  assert.equal(o.epochOf(3), 3);
});

test('shards of a batch over workers', () => {
  assert.deepEqual(shardRanges(5, 2), [
    { start: 0, end: 3 },
    { start: 3, end: 5 },
  ]);
  assert.deepEqual(shardRanges(1, 3), [{ start: 0, end: 1 }]);
});
