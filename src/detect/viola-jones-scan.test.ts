import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { readImage } from '../image/read.js';
import { createDetector } from './registry.js';
import { pyramidLevels, splitWindowSize } from './viola-jones-scan.js';
import type { Detector } from '../core/face.js';

const FIXTURE = fileURLToPath(
  new URL('../../test/fixtures/detect/astronaut-256.jpg', import.meta.url),
);

test('pyramidLevels and splitWindowSize: hand-computed levels and the equal-cost cut', () => {
  // 60x60, 24-px window, ×1.5: factor 1 → 24 px window, 60 px image, step 2: ⌈37/2⌉² = 361;
  // 1.5 → 36 px, 40 px image: ⌈17/2⌉² = 81; 2.25 → 54 px, 27 px image, step 1: 4² = 16;
  // 3.375 → 81 px > 60: stop.
  const levels = pyramidLevels(60, 60, 24, 1.5, 24);
  assert.deepEqual(levels, [
    { size: 24, cost: 361 },
    { size: 36, cost: 81 },
    { size: 54, cost: 16 },
  ]);
  // Cutting after 24 px leaves 361 vs 97; after 36 px 442 vs 16: the first is closer to even.
  assert.equal(splitWindowSize(levels), 24);
  assert.deepEqual(
    pyramidLevels(60, 60, 24, 1.5, 30).map((l) => l.size),
    [36, 54],
  );
  assert.equal(splitWindowSize(pyramidLevels(60, 60, 24, 1.5, 30)), 36);
  assert.equal(splitWindowSize([{ size: 24, cost: 10 }]), undefined);
  assert.deepEqual(pyramidLevels(24, 24, 24, 1.1, 24), []);
});

const detectors: Detector[] = [];
after(() => {
  for (const d of detectors) d.dispose();
});

test('viola-jones: a scan split over a worker thread finds exactly the faces of one thread', async () => {
  const img = await readImage(FIXTURE);
  // A collage with faces at three sizes, and the fixture itself.
  const small = await sharp(FIXTURE).resize(96, 96).toBuffer();
  const big = await sharp(FIXTURE).resize(200, 200).toBuffer();
  const collage = await readImage(
    await sharp({ create: { width: 480, height: 320, channels: 3, background: '#777' } })
      .composite([
        { input: await sharp(FIXTURE).toBuffer(), left: 0, top: 0 },
        { input: small, left: 300, top: 20 },
        { input: big, left: 270, top: 120 },
      ])
      .png()
      .toBuffer(),
  );
  for (const minNeighbors of [1, 3, 5]) {
    const one = await createDetector('viola-jones', { threads: 1, minNeighbors });
    const two = await createDetector('viola-jones', { threads: 2, minNeighbors });
    detectors.push(one, two);
    for (const im of [img, collage]) {
      const a = await one.detectFaces(im);
      const b = await two.detectFaces(im);
      assert.ok(a.length > 0);
      assert.deepEqual(b, a, `minNeighbors ${minNeighbors}, ${im.width}x${im.height}`);
    }
  }
  await assert.rejects(createDetector('viola-jones', { threads: 3 }), {
    code: 'E_BAD_OPTION',
    message: /threads must be 1 or 2/,
  });
});
