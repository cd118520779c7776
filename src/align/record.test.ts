import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalJson,
  detectorCropBox,
  parsePreprocessRecord,
  preprocessDifferences,
  preprocessKey,
  samePreprocess,
  wholeImagePreprocess,
} from './record.js';

/** A version-1 record exactly as exprsim wrote it before alignment and masking existed. */
const V1 = JSON.parse(
  '{"format": "exprsim-feature-preprocess", "version": 1, "crop": {"kind": "whole-image"}, "colour": "rgb", "size": [112, 112], "channels": 3, "resize": {"kernel": "lanczos3", "fit": "fill"}, "normalise": {"mean": [122.782, 117.001, 104.298], "divisor": 255}}',
) as Record<string, unknown>;

test('a version-1 record parses as align none, mask none, and round-trips', () => {
  const rec = parsePreprocessRecord(V1, 'features.json');
  assert.deepEqual(rec, { ...V1, align: 'none', mask: 'none' });
  assert.deepEqual(parsePreprocessRecord(JSON.parse(JSON.stringify(rec)), 'again'), rec);
  assert.ok(samePreprocess(V1, rec));
  assert.equal(preprocessKey(V1), preprocessKey(rec));
  assert.equal(preprocessKey(V1), canonicalJson(rec));
  // …and equals what the backbone makes today.
  const today = wholeImagePreprocess(112, { mean: [122.782, 117.001, 104.298], divisor: 255 });
  assert.ok(samePreprocess(V1, today));
  assert.ok(!samePreprocess(V1, { ...today, mask: 'ellipse' }));
  // Parsing copies: the input is not changed.
  assert.equal('align' in V1, false);
});

test('a v1 detector record keeps its crop; new fields are checked', () => {
  const det = { ...V1, crop: { kind: 'detector', detector: 'mtcnn', margin: 0.3, square: false } };
  // pad and noFace came later: absent means no frame and skip.
  assert.deepEqual(parsePreprocessRecord(det, 'x').crop, { ...det.crop, pad: 0, noFace: 'skip' });
  assert.ok(samePreprocess(det, parsePreprocessRecord(det, 'x')));
  const framed = { ...det, crop: { ...det.crop, pad: 0.25, noFace: 'whole-image' } };
  assert.deepEqual(parsePreprocessRecord(framed, 'x').crop, framed.crop);
  assert.ok(!samePreprocess(det, framed));
  assert.equal(parsePreprocessRecord({ ...det, align: 'five-point' }, 'x').align, 'five-point');
  for (const bad of [
    { ...V1, version: 2 },
    { ...V1, format: 'other' },
    { ...V1, extra: 1 },
    { ...V1, mask: 'circle' },
    { ...V1, align: 'five-point' }, // whole images have no landmarks
    { ...V1, crop: { kind: 'detector', detector: 'mtcnn', margin: -1, square: true } },
    { ...V1, crop: { kind: 'detector', detector: 'mtcnn', margin: 0, square: true, pad: 2 } },
    { ...V1, crop: { kind: 'detector', detector: 'mtcnn', margin: 0, square: true, noFace: 'x' } },
    { ...V1, channels: 1 }, // the mean has three values
    { ...V1, resize: { kernel: 'bicubic', fit: 'fill' } },
  ]) {
    assert.throws(
      () => parsePreprocessRecord(bad, 'x'),
      { code: 'E_MODEL_FORMAT' },
      JSON.stringify(bad),
    );
  }
});

test('detectorCropBox grows, squares and clips', () => {
  assert.deepEqual(detectorCropBox({ x: 20, y: 10, width: 60, height: 60 }, 200, 120, 0.1, true), {
    left: 14,
    top: 4,
    width: 72,
    height: 72,
  });
  const clipped = detectorCropBox({ x: 0, y: 0, width: 40, height: 20 }, 100, 100, 0.5, true);
  assert.deepEqual(clipped, { left: 0, top: 0, width: 60, height: 50 });
});

test('preprocessDifferences names each field that differs, both values', () => {
  const rec = parsePreprocessRecord(V1, 'features.json');
  assert.deepEqual(preprocessDifferences(V1, rec), []);
  const linear = { ...rec, resize: { kernel: 'linear', fit: 'fill' }, mask: 'ellipse' };
  assert.deepEqual(preprocessDifferences(V1, linear), [
    'mask: "none" vs "ellipse"',
    'resize: {"fit":"fill","kernel":"lanczos3"} vs {"fit":"fill","kernel":"linear"}',
  ]);
});
