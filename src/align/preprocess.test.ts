import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImage } from '../image/types.js';
import { applySimilarity } from './similarity.js';
import { FACE_TEMPLATE, preprocessFace, resolvePreprocessConfig } from './preprocess.js';

/** A 100x80 white image with a 40x40 grey square whose top-left is at (30, 20). */
function scene(): RawImage {
  const data = new Uint8Array(100 * 80 * 3).fill(255);
  for (let y = 20; y < 60; y++)
    for (let x = 30; x < 70; x++) data.fill(100, (y * 100 + x) * 3, (y * 100 + x + 1) * 3);
  return { data, width: 100, height: 80, channels: 3 };
}
const px = (img: RawImage, x: number, y: number) => img.data[(y * img.width + x) * img.channels];

test('resolvePreprocessConfig fills defaults, survives JSON and rejects bad values', () => {
  const cfg = resolvePreprocessConfig();
  assert.deepEqual(cfg, {
    version: 1,
    size: 224,
    margin: 0.2,
    align: 'none',
    mask: 'none',
    channels: 3,
  });
  assert.deepEqual(resolvePreprocessConfig(JSON.parse(JSON.stringify(cfg))), cfg);
  assert.equal(resolvePreprocessConfig({ margin: 0 }).margin, 0);
  for (const bad of [
    { size: 0 },
    { margin: -1 },
    { align: 'affine' },
    { mask: 'circle' },
    { channels: 2 },
    { sise: 3 },
  ]) {
    assert.throws(
      () => resolvePreprocessConfig(bad as never),
      { code: 'E_BAD_OPTION' },
      JSON.stringify(bad),
    );
  }
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
});

test('masks: box blacks out the margin, ellipse also the corners of the box', async () => {
  const box = { x: 30, y: 20, width: 40, height: 40 };
  const boxMask = await preprocessFace(scene(), { box }, { size: 40, margin: 0.5, mask: 'box' });
  assert.equal(px(boxMask.image, 2, 2), 0);
  assert.equal(px(boxMask.image, 11, 11), 100); // just inside the box corner
  const ell = await preprocessFace(scene(), { box }, { size: 40, margin: 0.5, mask: 'ellipse' });
  assert.equal(px(ell.image, 11, 11), 0); // box corner is outside the inscribed circle
  assert.equal(px(ell.image, 20, 20), 100);
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
