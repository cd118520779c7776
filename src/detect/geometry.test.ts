import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipBox, iou, nms, overlap, squareCorners, toCorners } from './geometry.js';

test('iou of hand-computed boxes', () => {
  // 10x10 at the origin and 10x10 shifted by (5, 5): intersection 25, union 175.
  assert.equal(
    iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 5, width: 10, height: 10 }),
    25 / 175,
  );
  assert.equal(iou({ x: 0, y: 0, width: 4, height: 4 }, { x: 0, y: 0, width: 4, height: 4 }), 1);
  assert.equal(iou({ x: 0, y: 0, width: 4, height: 4 }, { x: 4, y: 0, width: 4, height: 4 }), 0);
  // 2x2 inside 4x4: IoU 4/16, 'min' overlap 4/4.
  const a = toCorners({ x: 0, y: 0, width: 4, height: 4 });
  const b = toCorners({ x: 1, y: 1, width: 2, height: 2 });
  assert.equal(overlap(a, b), 0.25);
  assert.equal(overlap(a, b, 'min'), 1);
});

test('nms keeps the best of overlapping boxes, best first', () => {
  const boxes = [
    { x1: 0, y1: 0, x2: 10, y2: 10 },
    { x1: 1, y1: 1, x2: 11, y2: 11 }, // IoU with box 0: 81 / 119 = 0.68
    { x1: 50, y1: 50, x2: 60, y2: 60 },
    { x1: 0, y1: 0, x2: 10, y2: 10 },
  ];
  assert.deepEqual(nms(boxes, [0.5, 0.9, 0.7, 0.5], 0.5), [1, 2]);
  assert.deepEqual(nms(boxes, [0.5, 0.9, 0.7, 0.5], 0.7), [1, 2, 0]);
  assert.deepEqual(nms([], [], 0.5), []);
});

test('clipBox and squareCorners', () => {
  assert.deepEqual(clipBox({ x: -5, y: 2, width: 10, height: 20 }, 8, 10), {
    x: 0,
    y: 2,
    width: 5,
    height: 8,
  });
  assert.equal(clipBox({ x: 20, y: 0, width: 5, height: 5 }, 10, 10), null);
  assert.deepEqual(squareCorners({ x1: 0, y1: 0, x2: 4, y2: 8 }), { x1: -2, y1: 0, x2: 6, y2: 8 });
});
