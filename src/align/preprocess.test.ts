import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImage } from '../image/types.js';
import { applySimilarity } from './similarity.js';
import { FACE_TEMPLATE, preprocessFace, resolvePreprocessConfig } from './preprocess.js';
import { wholeImagePreprocess } from './record.js';

/** A 100x80 white image with a 40x40 grey square whose top-left is at (30, 20). */
function scene(): RawImage {
  const data = new Uint8Array(100 * 80 * 3).fill(255);
  for (let y = 20; y < 60; y++)
    for (let x = 30; x < 70; x++) data.fill(100, (y * 100 + x) * 3, (y * 100 + x + 1) * 3);
  return { data, width: 100, height: 80, channels: 3 };
}
const px = (img: RawImage, x: number, y: number) => img.data[(y * img.width + x) * img.channels];

test('resolvePreprocessConfig fills defaults into the record, survives JSON, rejects bad values', () => {
  const cfg = resolvePreprocessConfig();
  assert.deepEqual(cfg, {
    format: 'exprsim-feature-preprocess',
    version: 1,
    crop: {
      kind: 'detector',
      detector: 'mtcnn',
      margin: 0.2,
      square: true,
      pad: 0,
      noFace: 'skip',
    },
    align: 'none',
    mask: 'none',
    colour: 'rgb',
    size: [224, 224],
    channels: 3,
    resize: { kernel: 'lanczos3', fit: 'fill' },
    normalise: { mean: [0, 0, 0], divisor: 255 },
  });
  assert.deepEqual(resolvePreprocessConfig(JSON.parse(JSON.stringify(cfg))), cfg);
  const m0 = resolvePreprocessConfig({ margin: 0, channels: 1, size: [48, 40] });
  assert.deepEqual(m0.crop, {
    kind: 'detector',
    detector: 'mtcnn',
    margin: 0,
    square: true,
    pad: 0,
    noFace: 'skip',
  });
  assert.equal(m0.colour, 'grey');
  assert.deepEqual(m0.size, [48, 40]);
  assert.deepEqual(m0.normalise, { mean: [0], divisor: 255 });
  for (const bad of [
    { size: 0 },
    { size: [10, 10, 3] },
    { margin: -1 },
    { align: 'affine' },
    { mask: 'circle' },
    { channels: 2 },
    { sise: 3 },
    { crop: 'whole-image', margin: 0.1 },
    { crop: 'whole-image', pad: 0.1 },
    { pad: 1.5 },
    { noFace: 'guess' },
    { crop: 'whole-image', align: 'five-point' },
    { resize: { kernel: 'bicubic' } },
    { normalise: { mean: [1, 2], divisor: 1 } },
    { version: 2 },
  ]) {
    assert.throws(
      () => resolvePreprocessConfig(bad as never),
      { code: 'E_BAD_OPTION' },
      JSON.stringify(bad),
    );
  }
});

test('resolvePreprocessConfig takes its defaults from a base record (a backbone’s)', () => {
  const base = wholeImagePreprocess(112, { mean: [122.782, 117.001, 104.298], divisor: 255 });
  assert.deepEqual(resolvePreprocessConfig({}, base), base);
  const photos = resolvePreprocessConfig(
    { detector: 'mtcnn', align: 'five-point', mask: 'ellipse' },
    base,
  );
  assert.deepEqual(photos, {
    ...base,
    crop: {
      kind: 'detector',
      detector: 'mtcnn',
      margin: 0.2,
      square: true,
      pad: 0,
      noFace: 'skip',
    },
    align: 'five-point',
    mask: 'ellipse',
  });
  assert.deepEqual(resolvePreprocessConfig({ crop: 'whole-image', mask: 'ellipse' }, base), {
    ...base,
    mask: 'ellipse',
  });
});

test('box crop: the box fills the inner square, margin shows context, grey output', async () => {
  const box = { x: 30, y: 20, width: 40, height: 40 };
  const noMargin = await preprocessFace(scene(), { box }, { size: 20, margin: 0 });
  assert.equal(noMargin.image.width, 20);
  assert.equal(noMargin.aligned, false);
  assert.ok(
    noMargin.image.data.every((v) => v === 100),
    'only the grey square',
  );
  // margin 0.5: output side = 2 x box, the box is the middle half.
  const withMargin = await preprocessFace(scene(), { box }, { size: 40, margin: 0.5, channels: 1 });
  assert.equal(withMargin.image.channels, 1);
  assert.equal(px(withMargin.image, 20, 20), 100);
  assert.equal(px(withMargin.image, 2, 2), 255);
  assert.deepEqual(withMargin.faceBox, { x: 10, y: 10, width: 20, height: 20 });
  assert.deepEqual(withMargin.transform, { a: 0.5, b: 0, tx: -5, ty: 0 });
});

test('masks: box blacks out the margin, ellipse also the corners of the box', async () => {
  const box = { x: 30, y: 20, width: 40, height: 40 };
  // size 80 = the 80x80 crop: no resampling, exact pixels.
  const boxMask = await preprocessFace(scene(), { box }, { size: 80, margin: 0.5, mask: 'box' });
  assert.deepEqual(boxMask.faceBox, { x: 20, y: 20, width: 40, height: 40 });
  assert.equal(px(boxMask.image, 5, 5), 0);
  assert.equal(px(boxMask.image, 19, 40), 0);
  assert.equal(px(boxMask.image, 21, 21), 100); // just inside the box corner
  const ell = await preprocessFace(scene(), { box }, { size: 80, margin: 0.5, mask: 'ellipse' });
  assert.equal(px(ell.image, 21, 21), 0); // box corner is outside the inscribed circle
  assert.equal(px(ell.image, 40, 40), 100);
  assert.equal(px(ell.image, 40, 21), 100); // top middle of the box: inside
  // A face at the image edge: the crop is clipped and stretched (fit fill), the mask follows it.
  const edge = await preprocessFace(
    scene(),
    { box: { x: 60, y: 20, width: 40, height: 40 } },
    { size: 80, margin: 0.5, mask: 'box', resize: { kernel: 'nearest' } },
  );
  assert.equal(edge.transform, undefined, 'a 60x80 crop stretched to 80x80 is no similarity');
  assert.ok(Math.abs(edge.faceBox.x - 80 / 3) < 1e-9 && edge.faceBox.y === 20);
  assert.ok(Math.abs(edge.faceBox.width - 160 / 3) < 1e-9 && edge.faceBox.height === 40);
  assert.equal(px(edge.image, 20, 40), 0);
  assert.equal(px(edge.image, 70, 10), 0);
  assert.equal(px(edge.image, 30, 30), 100); // image x 62.5: the grey square
  assert.equal(px(edge.image, 60, 30), 255); // image x 85: white, inside the face box
});

test('whole-image records: the image is the face; box mask keeps all, ellipse the inscribed one', async () => {
  const flat: RawImage = {
    data: new Uint8Array(64 * 48 * 3).fill(200),
    width: 64,
    height: 48,
    channels: 3,
  };
  const base = wholeImagePreprocess(32, { mean: [0, 0, 0], divisor: 255 });
  const plain = await preprocessFace(flat, undefined, base);
  assert.deepEqual(plain.faceBox, { x: 0, y: 0, width: 32, height: 32 });
  const boxed = await preprocessFace(flat, undefined, { ...base, mask: 'box' });
  assert.deepEqual(boxed.image.data, plain.image.data);
  const ell = await preprocessFace(flat, undefined, { ...base, mask: 'ellipse' });
  assert.equal(px(ell.image, 0, 0), 0);
  assert.equal(px(ell.image, 31, 31), 0);
  assert.equal(px(ell.image, 16, 16), 200);
  assert.equal(px(ell.image, 16, 0), 200);
  // Exactly what exprsim did before masks existed: resize with the record's kernel and fit.
  const { resizeImage } = await import('../image/transform.js');
  const img = scene();
  const before = await resizeImage(img, 32, 32, { kernel: 'lanczos3', fit: 'fill' });
  assert.deepEqual((await preprocessFace(img, undefined, base)).image.data, before.data);
  // With a detected face (a photo, a model trained on crops): the squared box + margin first.
  const { cropImage } = await import('../image/transform.js');
  const face = { box: { x: 30, y: 20, width: 40, height: 30 } };
  const crop = cropImage(img, { left: 22, top: 7, width: 56, height: 56 });
  const expected = await resizeImage(crop, 32, 32, { kernel: 'lanczos3', fit: 'fill' });
  assert.deepEqual((await preprocessFace(img, face, base)).image.data, expected.data);
});

test('detector records given a crop: the face box is its middle, grown by the margin', async () => {
  const flat: RawImage = {
    data: new Uint8Array(60 * 60).fill(90),
    width: 60,
    height: 60,
    channels: 1,
  };
  const out = await preprocessFace(flat, undefined, {
    size: 60,
    margin: 0.5,
    mask: 'box',
    channels: 1,
  });
  assert.deepEqual(out.faceBox, { x: 15, y: 15, width: 30, height: 30 });
  assert.equal(px(out.image, 10, 10), 0);
  assert.equal(px(out.image, 30, 30), 90);
});

test('five-point alignment puts the landmarks on the template', async () => {
  // Landmarks of a face rotated by 30 degrees about (50, 40), 40 px wide.
  const angle = Math.PI / 6;
  const rot = (p: { x: number; y: number }) => {
    const x = (p.x - 0.5) * 40;
    const y = (p.y - 0.5) * 40;
    return {
      x: 50 + x * Math.cos(angle) - y * Math.sin(angle),
      y: 40 + x * Math.sin(angle) + y * Math.cos(angle),
    };
  };
  const names = ['leftEye', 'rightEye', 'nose', 'mouthLeft', 'mouthRight'] as const;
  const landmarks = Object.fromEntries(names.map((n) => [n, rot(FACE_TEMPLATE[n])]));
  const out = await preprocessFace(
    scene(),
    { box: { x: 30, y: 20, width: 40, height: 40 }, landmarks },
    { size: 112, margin: 0, align: 'five-point' },
  );
  assert.equal(out.aligned, true);
  assert.ok(out.transform);
  for (const n of names) {
    const p = applySimilarity(out.transform, landmarks[n]);
    assert.ok(
      Math.abs(p.x - FACE_TEMPLATE[n].x * 112) < 1e-6 &&
        Math.abs(p.y - FACE_TEMPLATE[n].y * 112) < 1e-6,
      n,
    );
  }
  // Without landmarks it falls back to the box crop and says so.
  const fallback = await preprocessFace(
    scene(),
    { box: { x: 30, y: 20, width: 40, height: 40 } },
    { align: 'five-point', size: 16 },
  );
  assert.equal(fallback.aligned, false);
});

test('aligned faces are masked around the template square', async () => {
  const names = ['leftEye', 'rightEye', 'nose', 'mouthLeft', 'mouthRight'] as const;
  const landmarks = Object.fromEntries(
    names.map((n) => [n, { x: 30 + FACE_TEMPLATE[n].x * 40, y: 20 + FACE_TEMPLATE[n].y * 40 }]),
  );
  const out = await preprocessFace(
    scene(),
    { box: { x: 30, y: 20, width: 40, height: 40 }, landmarks },
    { size: 80, margin: 0.5, align: 'five-point', mask: 'ellipse' },
  );
  assert.equal(out.aligned, true);
  assert.deepEqual(out.faceBox, { x: 20, y: 20, width: 40, height: 40 });
  assert.equal(px(out.image, 21, 21), 0);
  assert.equal(px(out.image, 5, 40), 0);
  assert.equal(px(out.image, 40, 40), 100);
});
