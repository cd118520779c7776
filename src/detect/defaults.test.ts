import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExprsimError } from '../core/errors.js';
import { DEFAULT_MTCNN_CONFIG, DETECTOR_NAMES, parseDetectorName } from './defaults.js';
import { resolveMtcnnConfig } from './mtcnn.js';
import { resolveBlazeFaceConfig } from './blazeface.js';
import { DEFAULT_BLAZEFACE_CONFIG } from './defaults.js';

test('parseDetectorName: a registered name, or E_UNKNOWN_NAME naming the option and the valid names', () => {
  for (const n of DETECTOR_NAMES) assert.equal(parseDetectorName(n), n);
  assert.throws(
    () => parseDetectorName('yolo', 'detectors'),
    (e: unknown) =>
      e instanceof ExprsimError &&
      e.code === 'E_UNKNOWN_NAME' &&
      e.option === 'detectors' &&
      e.toLine() ===
        '`detectors` yolo: unknown detector "yolo" (use one of mtcnn, viola-jones, blazeface)',
  );
  assert.throws(() => parseDetectorName(undefined), { option: 'detector' });
});

test('the resolvers fill in the frozen defaults', () => {
  assert.ok(
    Object.isFrozen(DEFAULT_MTCNN_CONFIG) && Object.isFrozen(DEFAULT_MTCNN_CONFIG.thresholds),
  );
  const m = resolveMtcnnConfig();
  assert.equal(m.minFaceSize, DEFAULT_MTCNN_CONFIG.minFaceSize);
  assert.deepEqual(m.thresholds, DEFAULT_MTCNN_CONFIG.thresholds);
  assert.equal(resolveMtcnnConfig({ minFaceRatio: 0 }).minFaceRatio, 0, '0 is kept, not defaulted');
  const b = resolveBlazeFaceConfig();
  assert.equal(b.minScore, DEFAULT_BLAZEFACE_CONFIG.minScore);
  assert.equal(b.tiles, DEFAULT_BLAZEFACE_CONFIG.tiles);
});
