// resample.ts is the browser build's resize: it must give sharp's pixels, so that a page prepares
// faces as Node does. Compared with sharp (the real one) on a photo and on noise, down and up,
// every kernel and fit the pipeline uses. ('nearest' is not matched exactly: no record uses it.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO } from '../../test/helpers.js';
import { readImage } from './read.js';
import { resamplePixels } from './resample.js';
import { resizeImage } from './resize.js';
import type { RawImage, ResizeKernel } from './types.js';

function diff(a: Uint8Array, b: Uint8Array): { max: number; differing: number } {
  assert.equal(a.length, b.length);
  let max = 0;
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > 0) differing++;
    if (d > max) max = d;
  }
  return { max, differing };
}

function noise(width: number, height: number, channels: 1 | 3, seed: number): RawImage {
  const data = new Uint8Array(width * height * channels);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return { data, width, height, channels };
}

const CASES: [number, number, ResizeKernel, 'fill' | 'cover' | 'contain'][] = [
  [256, 300, 'linear', 'fill'], // BlazeFace's letterbox input
  [112, 112, 'lanczos3', 'fill'], // the default model's crop
  [200, 150, 'lanczos3', 'fill'],
  [96, 96, 'lanczos3', 'cover'], // thumbnails
  [100, 50, 'linear', 'contain'],
  [331, 97, 'cubic', 'fill'],
  [700, 800, 'lanczos3', 'fill'], // enlargement
  [1000, 1200, 'mitchell', 'fill'],
];

test('resamplePixels gives sharp’s pixels on a photo, down and up', async () => {
  const img = await readImage(join(REPO, 'samples', 'photos', 'grace_hopper.jpg'));
  for (const [w, h, kernel, fit] of CASES) {
    const ref = await resizeImage(img, w, h, { kernel, fit });
    const d = diff(resamplePixels(img, w, h, kernel, fit), ref.data);
    // Bilinear enlargement may differ by one level where libvips accumulates positions.
    assert.ok(d.max <= 1, `${w}x${h} ${kernel} ${fit}: max difference ${d.max}`);
    assert.ok(
      d.differing <= ref.data.length * 1e-3,
      `${w}x${h} ${kernel} ${fit}: ${d.differing} differ`,
    );
  }
});

test('resamplePixels matches sharp on grey and RGB noise, odd sizes and large factors', async () => {
  const sizes: [number, number, number, number][] = [
    [97, 61, 13, 7],
    [640, 480, 112, 112],
    [33, 200, 112, 112],
    [5, 5, 112, 112],
    [1000, 10, 37, 3],
  ];
  for (const [sw, sh, w, h] of sizes) {
    for (const channels of [1, 3] as const) {
      const img = noise(sw, sh, channels, sw * sh + channels);
      for (const kernel of ['linear', 'lanczos3', 'mks2021'] as const) {
        const ref = await resizeImage(img, w, h, { kernel });
        const d = diff(resamplePixels(img, w, h, kernel, 'fill'), ref.data);
        assert.ok(
          d.max <= 1 && d.differing <= Math.max(2, ref.data.length * 1e-3),
          `${sw}x${sh}x${channels} → ${w}x${h} ${kernel}: max ${d.max}, ${d.differing} differ`,
        );
      }
    }
  }
});
