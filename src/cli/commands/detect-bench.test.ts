import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SAMPLE_DETECT_BENCH } from '../../../test/fixtures/detect/bench-result.js';
import { runCliSync } from '../../../test/helpers.js';
import { detectBenchLines } from './detect-bench.js';

test('detectBenchLines: the scores of each detector per set, and its speed', () => {
  const text = detectBenchLines(SAMPLE_DETECT_BENCH).join('\n');
  assert.match(text, /^2026-01-02: FER2013 4 crops \(\+25% border\), WIDER 2 photos/);
  assert.match(
    text,
    /mtcnn:\n {2}fer2013 +found 75\.0%, recall 50\.0%, precision 100\.0%, median 40 ms/,
  );
  assert.match(
    text,
    /wider +recall 62\.5%, precision 80\.0%, 0\.50 false pos\.\/image, median 301 ms/,
  );
  assert.match(text, /recall by face height: 20-40 px 25\.0% \(4\), 40\+ px 100\.0% \(4\)/);
  assert.match(text, /photos +recall 80\.0% .*sample1\.jpg 2\/3, skimage-astronaut\.png 1\/1/);
  assert.match(text, /speed +311 ms per 1920-px photo, 40 ms per 256-px image$/);
});

test('exprsim detect-bench: an unknown detector in --detectors is one line naming the flag', () => {
  const r = runCliSync(['detect-bench', '--detectors', 'mtcnn,yolo']);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /`--detectors` yolo: unknown detector "yolo".*mtcnn, viola-jones, blazeface/,
  );
});
