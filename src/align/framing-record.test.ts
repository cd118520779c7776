import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImage } from '../core/types.js';
import { preprocessFace } from './preprocess.js';
import {
  parsePreprocessRecord,
  preprocessDifferences,
  samePreprocess,
  wholeImagePreprocess,
  type PreprocessRecord,
} from './record.js';

const base = () =>
  wholeImagePreprocess(8, { mean: [0], divisor: 255 }, { colour: 'grey', channels: 1 });
const framed = (framing: Record<string, { dx: number; dy: number; scale: number }>) => {
  const r = base();
  r.crop = { kind: 'whole-image', framing };
  return r;
};

test('a whole-image record keeps its framing, which its comparison key ignores', () => {
  const r = parsePreprocessRecord(framed({ mtcnn: { dx: 0, dy: 0.1, scale: 1.07 } }), 'm');
  assert.deepEqual(r.crop, {
    kind: 'whole-image',
    framing: { mtcnn: { dx: 0, dy: 0.1, scale: 1.07 } },
  });
  assert.ok(
    samePreprocess(r, base()),
    'a feature cache of the same crops is the same preprocessing',
  );
  assert.deepEqual(preprocessDifferences(r, base()), []);
});

test('a bad framing is refused naming the detector', () => {
  for (const bad of [
    { dx: 0, dy: 0, scale: 0 },
    { dx: Number.NaN, dy: 0, scale: 1 },
    { dx: 0, scale: 1 },
  ]) {
    assert.throws(
      () => parsePreprocessRecord(framed({ blazeface: bad as never }), 'model.json'),
      (e: Error & { code?: string; input?: string }) =>
        e.code === 'E_MODEL_FORMAT' &&
        e.input === 'model.json' &&
        /crop\.framing\.blazeface/.test(e.message),
    );
  }
});

/** A 20x20 grey image whose pixel (x, y) is 10 + x + 20 y (distinct values, all > 0). */
function ramp(): RawImage {
  const data = new Uint8Array(400);
  for (let i = 0; i < 400; i++) data[i] = 10 + (i % 200);
  return { data, width: 20, height: 20, channels: 1 };
}

test('a photo face is cut by the detector’s framing, black past the edge', async () => {
  // Box 4x4 at (14, 2), centre (16, 4). Framing scale 2, dy +0.5 → an 8x8 square centred at
  // (16, 6): x 12..20 (the last column, x = 20, lies outside the 20-px image), y 2..10.
  const rec: PreprocessRecord = framed({ test: { dx: 0, dy: 0.5, scale: 2 } });
  const img = ramp();
  const out = await preprocessFace(img, { box: { x: 14, y: 2, width: 4, height: 4 } }, rec, {
    detector: 'test',
  });
  assert.equal(out.image.width, 8);
  assert.equal(out.image.height, 8);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const sx = 12 + x;
      const sy = 2 + y;
      const want = sx < 20 ? img.data[sy * 20 + sx] : 0;
      assert.equal(out.image.data[y * 8 + x], want, `(${x}, ${y})`);
    }
  }
});

test('without the detector’s framing, or with an explicit margin, the margin crop is used', async () => {
  const rec = framed({ test: { dx: 0, dy: 0.5, scale: 2 } });
  const img = ramp();
  const face = { box: { x: 6, y: 6, width: 8, height: 8 } };
  const plain = await preprocessFace(img, face, base(), { margin: 0 });
  // Another detector's boxes: the default margin, as for a record without framing.
  const other = await preprocessFace(img, face, rec, { detector: 'mtcnn' });
  const noFraming = await preprocessFace(img, face, base(), { detector: 'mtcnn' });
  assert.deepEqual(other.image.data, noFraming.image.data);
  // An explicit margin wins over the framing.
  const margin0 = await preprocessFace(img, face, rec, { detector: 'test', margin: 0 });
  assert.deepEqual(margin0.image.data, plain.image.data);
  const framedOut = await preprocessFace(img, face, rec, { detector: 'test' });
  assert.notDeepEqual(framedOut.image.data, plain.image.data);
});
