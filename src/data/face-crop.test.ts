import { test } from 'node:test';
import assert from 'node:assert/strict';
import { faceCropRect } from './face-crop.js';
import { cropFile, cropId, fullImageFile, urlId } from './fec-ids.js';

test('crop rectangles: box grown by the margin, clamped to the image (hand-computed)', () => {
  // 100x80 image, box x 0.2..0.6 -> 20..60 (w 40), y 0.25..0.75 -> 20..60 (h 40); margin 0.2 -> 8 px per side.
  assert.deepEqual(faceCropRect({ left: 0.2, right: 0.6, top: 0.25, bottom: 0.75 }, 100, 80, 0.2), {
    left: 12,
    top: 12,
    width: 56,
    height: 56,
  });
  // At the corner: x 0..50 (-10..60 -> 0..60), y 0..40 (-8..48 -> 0..48).
  assert.deepEqual(faceCropRect({ left: 0, right: 0.5, top: 0, bottom: 0.5 }, 100, 80, 0.2), {
    left: 0,
    top: 0,
    width: 60,
    height: 48,
  });
  // No margin; 0.7 * 100 is 70.00000000000001 in floating point and must still end at 70.
  assert.deepEqual(faceCropRect({ left: 0.3, right: 0.7, top: 0.1, bottom: 0.9 }, 100, 100, 0), {
    left: 30,
    top: 10,
    width: 40,
    height: 80,
  });
  // Fractional edges widen outwards: 0.33*10 = 3.3 -> 3, 0.66*10 = 6.6 -> 7.
  assert.deepEqual(faceCropRect({ left: 0.33, right: 0.66, top: 0.33, bottom: 0.66 }, 10, 10, 0), {
    left: 3,
    top: 3,
    width: 4,
    height: 4,
  });
  // The whole image with any margin is the whole image.
  assert.deepEqual(faceCropRect({ left: 0, right: 1, top: 0, bottom: 1 }, 7, 5, 1), {
    left: 0,
    top: 0,
    width: 7,
    height: 5,
  });
  assert.throws(() => faceCropRect({ left: 0, right: 1, top: 0, bottom: 1 }, 7, 5, -0.1), {
    code: 'E_BAD_OPTION',
  });
});

test('file names come from hashes of the URL and of (URL, box)', () => {
  const url = 'http://farm1.staticflickr.com/1/2_3.jpg';
  const box = { left: 0.1, right: 0.5, top: 0.2, bottom: 0.6 };
  assert.match(urlId(url), /^[0-9a-f]{20}$/);
  assert.equal(urlId(url), urlId(url));
  assert.notEqual(cropId(url, box), cropId(url, { ...box, left: 0.2 }));
  assert.equal(
    cropId(url, box),
    cropId(url, { left: Number('0.10'), right: 0.5, top: 0.2, bottom: 0.6 }),
  );
  const id = cropId(url, box);
  assert.equal(cropFile(id, 'jpeg'), `crops/${id.slice(0, 2)}/${id}.jpg`);
  assert.equal(cropFile(id, 'png'), `crops/${id.slice(0, 2)}/${id}.png`);
  assert.equal(fullImageFile('abcdef', 'webp'), 'images/ab/abcdef.webp');
});
