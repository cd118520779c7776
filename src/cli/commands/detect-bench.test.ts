import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCliSync } from '../../../test/helpers.js';

test('exprsim detect-bench: an unknown detector in --detectors is one line naming the flag', () => {
  const r = runCliSync(['detect-bench', '--detectors', 'mtcnn,yolo']);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /`--detectors` yolo: unknown detector "yolo".*mtcnn, viola-jones, blazeface/,
  );
});
