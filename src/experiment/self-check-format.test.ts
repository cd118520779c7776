import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSelfCheck } from './self-check-format.js';
import type { SelfCheckResult } from './self-check.js';

const PASSED = {
  engine: { backend: 'cpu', reason: 'requested by option' },
  imageRoundTrip: true,
  losses: [0.91234, 0.5, 0.25001],
  lossDecreased: true,
  reloadMaxDiff: 0,
  leakedTensors: 0,
  ok: true,
} as unknown as SelfCheckResult;

test('formatSelfCheck: one line per check, ok or FAILED, then the verdict', () => {
  assert.deepEqual(formatSelfCheck(PASSED), [
    'backend: cpu (requested by option)',
    'images: PNG encode/decode round trip ok',
    'training: loss 0.9123 → 0.2500 over 3 steps ok',
    'save/load: max embedding difference 0 ok',
    'tensors leaked: 0 ok',
    'self-check passed',
  ]);
  const failed = { ...PASSED, imageRoundTrip: false, reloadMaxDiff: 0.5, leakedTensors: 2 };
  assert.deepEqual(formatSelfCheck({ ...failed, lossDecreased: false, ok: false }).slice(1), [
    'images: PNG encode/decode round trip FAILED',
    'training: loss 0.9123 → 0.2500 over 3 steps FAILED',
    'save/load: max embedding difference 0.5 FAILED',
    'tensors leaked: 2 FAILED',
    'self-check FAILED',
  ]);
});
