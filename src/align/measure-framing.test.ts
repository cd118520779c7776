import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FaceFinder } from '../core/face.js';
import type { RawImage } from '../core/types.js';
import { measureFraming, pasteFace } from './measure-framing.js';

const white = (side: number): RawImage => ({
  data: new Uint8Array(side * side).fill(255),
  width: side,
  height: side,
  channels: 1,
});

/** The bounding box of the white pixels (the pasted face), in canvas pixels. */
function whiteBox(img: RawImage) {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[(y * img.width + x) * img.channels] === 255) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
    }
  }
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

test('pasteFace puts the face where it says, at a seeded size, in a canvas 3x larger', async () => {
  const a = await pasteFace(white(48), 0, { seed: 7 });
  const b = await pasteFace(white(48), 0, { seed: 7 });
  assert.deepEqual(a.truth, b.truth, 'seeded');
  assert.ok(a.truth.width >= 96 && a.truth.width <= 160);
  assert.equal(a.image.width, Math.round(a.truth.width * 3));
  assert.deepEqual(whiteBox(a.image), a.truth);
});

test('measureFraming recovers a detector that draws its box at 80% of the face, 10% high', async () => {
  // The box: the pasted square shrunk to 80% around its centre, then moved up by 10% of its
  // own height → the crop is 1.25 box sides, centred 0.1 box heights below the box centre.
  const finder: FaceFinder = {
    name: 'shrinking',
    async detectFaces(img) {
      const t = whiteBox(img);
      const side = t.width * 0.8;
      const box = {
        x: t.x + (t.width - side) / 2,
        y: t.y + (t.height - side) / 2 - 0.1 * side,
        width: side,
        height: side,
      };
      return [
        { box: { x: 0, y: 0, width: 5, height: 5 }, score: 0.99 }, // a false positive elsewhere
        { box, score: 0.9 },
      ];
    },
  };
  const faces = [white(48), white(40), white(64)];
  const fit = await measureFraming(faces, finder);
  assert.equal(fit.samples, 3);
  assert.equal(fit.missed, 0);
  assert.equal(fit.detector, 'shrinking');
  assert.ok(Math.abs(fit.scale - 1.25) < 1e-9, String(fit.scale));
  assert.ok(Math.abs(fit.dx) < 1e-9, String(fit.dx));
  assert.ok(Math.abs(fit.dy - 0.1) < 1e-9, String(fit.dy));
});

test('a face the detector misses is counted, not fitted', async () => {
  const none: FaceFinder = { name: 'blind', detectFaces: async () => [] };
  await assert.rejects(measureFraming([white(48)], none), { code: 'E_DATA_EMPTY' });
});
