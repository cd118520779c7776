import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import type { ExtractDatasetFeaturesResult } from './extract-dataset.js';
import { featuresSummaryJson, formatFeaturesSummary } from './format.js';

const result = (over: Partial<ExtractDatasetFeaturesResult> = {}): ExtractDatasetFeaturesResult =>
  ({
    dir: 'cache/fer',
    manifest: {
      backbone: { name: 'faceapi-expression', version: '1' },
      preprocess: {
        crop: { kind: 'whole-image' },
        align: 'none',
        mask: 'none',
        size: [112, 112],
        colour: 'rgb',
        resize: { kernel: 'lanczos3' },
      },
      shape: [4, 4, 256],
      shards: 3,
    },
    dataset: { kind: 'labels-csv', input: 'labels.csv', images: 10, skippedRows: 0 },
    stored: 10,
    skipped: { count: 0, first: [] },
    shardsWritten: 2,
    shardsReused: 1,
    bytes: 3 * 1024 * 1024,
    seconds: 4,
    facesPerSecond: 2.5,
    ...over,
  }) as unknown as ExtractDatasetFeaturesResult;

test('an extraction in a few lines', () => {
  assert.deepEqual(formatFeaturesSummary(result()), [
    `features: 10 faces of 10 → ${resolve('cache/fer')}`,
    'backbone: faceapi-expression 1, map 4x4x256 float16 (8192 bytes/face)',
    'preprocess: whole images, mask none, 112x112 rgb (lanczos3)',
    'shards:   2 written, 1 already done, 3.0 MiB in all',
    'speed:    2.5 faces/s (4.0 s)',
  ]);
});

test('skipped rows, detection and unreadable images get their lines; a resumed run no speed', () => {
  const r = result({
    dataset: { kind: 'labels-csv', input: 'labels.csv', images: 10, skippedRows: 2 },
    detection: { images: 10, found: 8, undetected: 0, rate: 0.8 },
    skipped: { count: 2, first: [{ key: 'a.png', path: '/a.png', reason: 'no face' }] },
    facesPerSecond: undefined,
  });
  assert.deepEqual(formatFeaturesSummary(r).slice(4), [
    'dataset rows skipped: 2',
    'detection: face found in 8 of 10 images (80.0%)',
    'images skipped (unreadable or no face): 2',
    '  a.png: no face',
  ]);
});

test('the JSON summary names the cache, its shards and the skips', () => {
  const j = featuresSummaryJson(result());
  assert.equal(j.out, resolve('cache/fer'));
  assert.deepEqual(j.shards, { total: 3, written: 2, reused: 1 });
  assert.deepEqual(j.unreadable, { count: 0, first: [] });
  assert.equal(j.facesPerSecond, 2.5);
});
