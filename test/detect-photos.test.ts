// Detectors on the shared photos (../shared/data/photos; manual face counts in its SOURCE.md).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  PHOTO_COUNTS,
  createDetector,
  iou,
  readImage,
  resizeImage,
  type DecodedImage,
  type Detector,
} from '../src/index.js';
import { sharedDataOrSkip } from './helpers.js';

const { path: PHOTOS, skip } = sharedDataOrSkip('photos', 'detect-photos');

const images = new Map<string, DecodedImage>();
let mtcnn: Detector;
let blazeface: Detector;

before(async () => {
  if (skip) return;
  for (const f of Object.keys(PHOTO_COUNTS)) images.set(f, await readImage(join(PHOTOS, f)));
  mtcnn = await createDetector('mtcnn');
  blazeface = await createDetector('blazeface');
});
after(() => {
  mtcnn?.dispose();
  blazeface?.dispose();
});

async function foundVsCounted(
  d: Detector,
): Promise<{ found: number; counted: number; over: string[] }> {
  let found = 0;
  let counted = 0;
  const over: string[] = [];
  for (const [f, img] of images) {
    const faces = await d.detectFaces(img);
    const c = PHOTO_COUNTS[f];
    found += Math.min(c, faces.length);
    counted += c;
    // messi5 has small background players a person did not count.
    if (faces.length > c && f !== 'opencv-messi5.jpg') over.push(`${f}: ${faces.length} > ${c}`);
  }
  return { found, counted, over };
}

test('mtcnn finds most counted faces and invents none', { skip }, async () => {
  const r = await foundVsCounted(mtcnn);
  // 26 of 27 (22 while its first layer was fed BGR); the miss is a strong profile (sample2).
  assert.ok(r.found >= 25, `found ${r.found} of ${r.counted}`);
  assert.deepEqual(r.over, []);
});

test('blazeface finds nearly every counted face', { skip }, async () => {
  const r = await foundVsCounted(blazeface);
  assert.ok(r.found >= 25, `found ${r.found} of ${r.counted}`);
  assert.deepEqual(r.over, []);
});

test('mtcnn boxes and landmarks stay put when a 1920-px photo is halved', { skip }, async () => {
  const full = images.get('sample1.jpg')!;
  const half = await resizeImage(full, full.width / 2, full.height / 2);
  const a = await mtcnn.detectFaces(full);
  const b = await mtcnn.detectFaces(half);
  // Every face of the full photo is found again in the half; extra ones in the half can only be
  // faces below the full photo's minimum size (the minimum is relative to the image side).
  assert.ok(a.length >= 3);
  const minFull = 0.03 * full.height;
  for (const g of b) {
    const matched = a.some(
      (f) =>
        iou(f.box, {
          x: g.box.x * 2,
          y: g.box.y * 2,
          width: g.box.width * 2,
          height: g.box.height * 2,
        }) > 0.5,
    );
    assert.ok(matched || g.box.width * 2 < minFull * 1.5, `unmatched ${JSON.stringify(g.box)}`);
  }
  for (const f of a) {
    const best = Math.max(
      ...b.map((g) =>
        iou(f.box, {
          x: g.box.x * 2,
          y: g.box.y * 2,
          width: g.box.width * 2,
          height: g.box.height * 2,
        }),
      ),
    );
    assert.ok(best > 0.8, `IoU ${best}`);
  }
});
