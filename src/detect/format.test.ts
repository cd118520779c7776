import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SAMPLE_DETECT_BENCH } from '../../test/fixtures/detect/bench-result.js';
import { detectFilesJson, formatDetectBench, formatDetectFiles } from './format.js';
import type { DetectFilesResult } from './detect-files.js';

const FILES: DetectFilesResult = {
  detector: 'mtcnn',
  config: { minFaceSize: 20 },
  images: [
    {
      file: 'a.jpg',
      width: 10,
      height: 10,
      faces: [{ box: { x: 1.5, y: 2, width: 3, height: 4.25 }, score: 0.99 }],
    },
    { file: 'b.jpg', error: 'b.jpg: not an image' },
    {
      file: 'c.png',
      width: 10,
      height: 10,
      faces: [
        { box: { x: 0, y: 0, width: 5, height: 5 }, score: 1 },
        { box: { x: 5, y: 5, width: 2, height: 2 }, score: 0.5 },
      ],
    },
    { file: 'd.png', width: 10, height: 10, faces: [] },
  ],
  failed: 1,
};

test('formatDetectFiles: faces per image with boxes and scores, skipped files counted', () => {
  assert.deepEqual(formatDetectFiles(FILES), [
    'a.jpg: 1 face',
    '  x 1.5 y 2 w 3 h 4.25 score 0.99',
    'c.png: 2 faces',
    '  x 0 y 0 w 5 h 5 score 1',
    '  x 5 y 5 w 2 h 2 score 0.5',
    'd.png: 0 faces',
    '1 of 4 images skipped (see above)',
  ]);
  assert.deepEqual(formatDetectFiles({ ...FILES, images: FILES.images.slice(0, 1), failed: 0 }), [
    'a.jpg: 1 face',
    '  x 1.5 y 2 w 3 h 4.25 score 0.99',
  ]);
});

test('detectFilesJson: detector, config and images, not the failure count', () => {
  assert.deepEqual(detectFilesJson(FILES), {
    detector: 'mtcnn',
    config: { minFaceSize: 20 },
    images: FILES.images,
  });
});

test('formatDetectBench: the scores of each detector per set, and its speed', () => {
  const photos = 'sample1.jpg 2/3, skimage-astronaut.png 1/1';
  const detector = (name: string, i: number) => [
    `${name}:`,
    `  fer2013  found 75.0%, recall 50.0%, precision 100.0%, median ${40 + i} ms`,
    `  wider    recall 62.5%, precision 80.0%, 0.50 false pos./image, median ${300 + i} ms`,
    '           recall by face height: 20-40 px 25.0% (4), 40+ px 100.0% (4)',
    `  photos   recall 80.0% (capped at the counted faces), median ${200 + i} ms: ${photos}`,
    `  speed    ${310 + i} ms per 1920-px photo, ${39 + i} ms per 256-px image`,
  ];
  assert.deepEqual(formatDetectBench(SAMPLE_DETECT_BENCH), [
    '2026-01-02: FER2013 4 crops (+25% border), WIDER 2 photos, shared photos; IoU 0.5',
    ...detector('mtcnn', 0),
    ...detector('blazeface', 1),
  ]);
  const none = { ...SAMPLE_DETECT_BENCH.results[0], fer2013: undefined, wider: undefined };
  const bare = { ...none, photos: undefined, speed: { medianMs1920: NaN, medianMs256: 2 } };
  assert.deepEqual(formatDetectBench({ ...SAMPLE_DETECT_BENCH, results: [bare] }).slice(1), [
    'mtcnn:',
    '  speed    - per 1920-px photo, 2 ms per 256-px image',
  ]);
});
