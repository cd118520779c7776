// MTCNN on large faces. Its first layer was once fed BGR (face-api.js's channel order) while these
// weights take RGB: clear frontal faces were still found, but P-Net never proposed many large
// faces that are soft, tilted or in poor light (recall on WIDER faces >= 160 px was 67%, BlazeFace
// 96%). These tests fail with the channels swapped.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { readImage } from '../image/read.js';
import { iou } from './geometry.js';
import { createDetector } from './registry.js';
import { MTCNN_TUNING } from './mtcnn.js';
import type { DetectedFace, Detector, FaceBox } from '../core/face.js';

const FIXTURE = fileURLToPath(
  new URL('../../test/fixtures/detect/astronaut-256.jpg', import.meta.url),
);
/** The fixture enlarged 6x: the face becomes ~280 x 340 px. */
const SIZE = 1536;
const F = SIZE / 256;

let mtcnn: Detector;
/** The face found in the fixture at its own size, scaled to SIZE. */
let reference: FaceBox;

before(async () => {
  mtcnn = await createDetector('mtcnn');
  const [face] = await mtcnn.detectFaces(await readImage(FIXTURE));
  reference = {
    x: face.box.x * F,
    y: face.box.y * F,
    width: face.box.width * F,
    height: face.box.height * F,
  };
});
after(() => mtcnn?.dispose());

const show = (faces: readonly DetectedFace[]) =>
  JSON.stringify(faces.map((f) => ({ ...f.box, score: f.score })));

test('finds the astronaut enlarged to 1536 px', async () => {
  const img = await readImage(await sharp(FIXTURE).resize(SIZE, SIZE).png().toBuffer());
  const faces = await mtcnn.detectFaces(img);
  assert.ok(faces.length >= 1, 'no face');
  assert.ok(iou(faces[0].box, reference) >= 0.5, show(faces));
});

test('finds a large soft face (enlarged 6x, then blurred)', async () => {
  // Sigma 18 px here is 3 px at the fixture's size: a large face from a low-resolution photo.
  const img = await readImage(
    await sharp(FIXTURE)
      .resize(SIZE, SIZE)
      .blur(3 * F)
      .png()
      .toBuffer(),
  );
  const faces = await mtcnn.detectFaces(img);
  assert.equal(faces.length, 1, show(faces));
  assert.ok(iou(faces[0].box, reference) >= 0.5, show(faces));
});

test('finds a large tilted face (enlarged 6x, then turned 15 degrees)', async () => {
  const angle = -15; // sharp turns clockwise for positive angles
  const enlarged = await sharp(FIXTURE).resize(SIZE, SIZE).png().toBuffer();
  const img = await readImage(
    await sharp(enlarged).rotate(angle, { background: '#808080' }).png().toBuffer(),
  );
  // Where the reference face's centre lands: turned about the image centre, on a larger canvas.
  const t = (angle * Math.PI) / 180;
  const dx = reference.x + reference.width / 2 - SIZE / 2;
  const dy = reference.y + reference.height / 2 - SIZE / 2;
  const cx = img.width / 2 + dx * Math.cos(t) - dy * Math.sin(t);
  const cy = img.height / 2 + dx * Math.sin(t) + dy * Math.cos(t);
  const faces = await mtcnn.detectFaces(img);
  assert.equal(faces.length, 1, show(faces));
  const b = faces[0].box;
  const side = Math.sqrt(reference.width * reference.height);
  const dist = Math.hypot(b.x + b.width / 2 - cx, b.y + b.height / 2 - cy);
  assert.ok(dist < 0.25 * side, `centre ${dist.toFixed(0)} px off: ${show(faces)}`);
  const ratio = Math.sqrt(b.width * b.height) / side;
  assert.ok(ratio > 0.7 && ratio < 1.4, `size ratio ${ratio.toFixed(2)}: ${show(faces)}`);
});

test('P-Net in strips finds exactly what one pass finds (large levels no longer held whole)', async () => {
  // 1024 px with 12-px faces: P-Net's first level is 1024 x 1024, over the 1-Mpx strip size.
  const img = await readImage(await sharp(FIXTURE).resize(1024, 1024).png().toBuffer());
  const det = await createDetector('mtcnn', { minFaceSize: 12, minFaceRatio: 0 });
  const saved = MTCNN_TUNING.stripPixels;
  try {
    MTCNN_TUNING.stripPixels = Infinity;
    const whole = await det.detectFaces(img);
    MTCNN_TUNING.stripPixels = 100_000; // 12 strips on the first level, 6 on the second
    const strips = await det.detectFaces(img);
    assert.ok(whole.length >= 1, 'the astronaut is found');
    assert.deepEqual(strips, whole);
  } finally {
    MTCNN_TUNING.stripPixels = saved;
    det.dispose();
  }
});

test('a tiny smallest face on a big photo is refused before any pixel is resampled', async () => {
  // 6000x5000 with 4-px faces once needed a 270-Mpx P-Net level and aborted the process.
  const big = {
    data: new Uint8Array(6000 * 5000 * 3),
    width: 6000,
    height: 5000,
    channels: 3 as const,
  };
  const det = await createDetector('mtcnn', { minFaceSize: 4, minFaceRatio: 0 });
  try {
    const t0 = performance.now();
    await assert.rejects(det.detectFaces(big), {
      code: 'E_IMAGE_TOO_LARGE',
      message: /^6000x5000 image: looking for faces down to 4 px needs a 270\.0 Mpx P-Net level/,
    });
    assert.ok(performance.now() - t0 < 2000, 'refused up front');
  } finally {
    det.dispose();
  }
});

// Large faces of the WIDER validation subset (../shared/data, not in the repository).
const WIDER = fileURLToPath(new URL('../../../shared/data/wider-val-subset', import.meta.url));
const skip = existsSync(join(WIDER, 'annotations.csv')) ? false : `no WIDER subset at ${WIDER}`;

describe('WIDER faces >= 200 px', { skip }, () => {
  test('are found (the first 16 by file name)', async () => {
    const rows = readFileSync(join(WIDER, 'annotations.csv'), 'utf8')
      .split(/\r?\n/)
      .slice(1)
      .map((l) => l.split(','))
      .filter((r) => r[5] === 'ok' && Number(r[4]) >= 200)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, 16);
    assert.equal(rows.length, 16);
    // Only large faces are wanted here: a high minimum keeps the pyramid short.
    const det = await createDetector('mtcnn', { minFaceSize: 80, minFaceRatio: 0 });
    const found: string[] = [];
    const missed: string[] = [];
    const cache = new Map<string, DetectedFace[]>();
    try {
      for (const [file, x, y, w, h] of rows) {
        if (!cache.has(file)) {
          cache.set(file, await det.detectFaces(await readImage(join(WIDER, 'images', file))));
        }
        const truth = { x: +x, y: +y, width: +w, height: +h };
        const hit = cache.get(file)!.some((f) => iou(f.box, truth) >= 0.5);
        (hit ? found : missed).push(`${file} ${x},${y},${w},${h}`);
      }
    } finally {
      det.dispose();
    }
    // 14 of 16 when written (the misses: a profile behind a clarinet, a 590 x 380 box); 10 with
    // the channels swapped.
    assert.ok(found.length >= 13, `found ${found.length} of 16; missed ${missed.join('; ')}`);
  });
});
