import { test } from 'node:test';
import assert from 'node:assert/strict';
import { annotateFaces } from './annotate.js';

const px = (img: { data: Uint8Array; width: number; channels: number }, x: number, y: number) => [
  ...img.data.subarray((y * img.width + x) * img.channels, (y * img.width + x + 1) * img.channels),
];

test('annotateFaces draws green box edges and red landmarks on a copy', () => {
  const img = { data: new Uint8Array(40 * 40 * 3), width: 40, height: 40, channels: 3 as const };
  const out = annotateFaces(img, [
    {
      box: { x: 10, y: 10, width: 20, height: 20 },
      score: 1,
      landmarks: { nose: { x: 20, y: 20 } },
    },
  ]);
  assert.deepEqual(px(out, 15, 10), [0, 255, 0], 'top edge');
  assert.deepEqual(px(out, 29, 15), [0, 255, 0], 'right edge, inside the box');
  assert.deepEqual(px(out, 15, 15), [0, 0, 0], 'inside the box, off the edges');
  assert.deepEqual(px(out, 20, 20), [255, 0, 0], 'landmark');
  assert.deepEqual(px(out, 5, 5), [0, 0, 0], 'outside');
  assert.ok(
    img.data.every((v) => v === 0),
    'the input is left alone',
  );
});

test('annotateFaces on grey pixels writes the grey level of the colour; boxes off the image are clipped', () => {
  const img = { data: new Uint8Array(20 * 20), width: 20, height: 20, channels: 1 as const };
  const out = annotateFaces(img, [{ box: { x: -5, y: 2, width: 40, height: 10 }, score: 1 }]);
  assert.equal(out.data[2 * 20 + 7], Math.round(0.587 * 255));
  assert.equal(out.data.length, img.data.length);
});
