import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbedImagesResult } from './embed-images.js';
import { embedSummaryJson, formatEmbedSummary, formatFrameResult } from './format.js';

const result = (over: Partial<EmbedImagesResult> = {}): EmbedImagesResult =>
  ({
    written: ['out.npy', 'out.rows.csv'],
    files: ['a.jpg', 'b.jpg', 'c.jpg'],
    faces: [{}, {}],
    detector: 'mtcnn',
    noFace: [],
    failed: [],
    ...over,
  }) as unknown as EmbedImagesResult;

test('an embedding run in a line', () => {
  assert.deepEqual(formatEmbedSummary(result()), [
    'embed: 2 faces from 3 files (detector mtcnn) → out.npy, out.rows.csv',
  ]);
});

test('images without a face and unreadable ones are listed', () => {
  const r = result({
    files: ['a.png'],
    faces: [{}] as EmbedImagesResult['faces'],
    detector: null,
    noFace: ['b.png'],
    failed: [{ file: 'c.png', reason: 'c.png: not an image' }],
  });
  assert.deepEqual(formatEmbedSummary(r), [
    'embed: 1 face from 1 file (whole images as faces) → out.npy, out.rows.csv',
    'no face found in 1:',
    '  b.png',
    'skipped 1 unreadable:',
    '  c.png: not an image',
  ]);
});

test('the JSON summary counts files and faces', () => {
  assert.deepEqual(embedSummaryJson(result()), {
    out: ['out.npy', 'out.rows.csv'],
    files: 3,
    faces: 2,
    detector: 'mtcnn',
    noFace: [],
    failed: [],
  });
});

test('formatFrameResult: a line per detector with its fit, spread and misses', () => {
  const lines = formatFrameResult({
    model: 'm',
    images: 10,
    framing: {},
    written: false,
    detectors: [
      {
        detector: 'mtcnn',
        dx: 0.0094,
        dy: -0.007,
        scale: 1.0721,
        samples: 9,
        spread: { dx: 0.08, dy: 0.06, scale: 0.2 },
        medianIoU: 0.79,
        missed: 1,
        total: 10,
      },
    ],
  });
  assert.deepEqual(lines, [
    'frame: 10 crops pasted into canvases 3x their size, per detector:',
    '  mtcnn: scale 1.072, dx 0.009, dy -0.007 (IQR 0.200, 0.080, 0.060); median IoU 0.790; missed 1 of 10',
    'not written (pass --write to store it)',
  ]);
});
