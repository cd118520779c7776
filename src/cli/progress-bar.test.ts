import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderProgressLine } from './progress-bar.js';

test('progress line shows count, percent, rate and ETA', () => {
  // 25 of 100 in 5 s → 5/s, 75 left → 15 s.
  const line = renderProgressLine({ done: 25, total: 100, label: 'download' }, 5, 8);
  assert.equal(line, 'download [##......] 25/100 25% 5.00/s ETA 0:15');
});

test('progress line without a total', () => {
  assert.equal(renderProgressLine({ done: 120 }, 60), '120 2.00/s 1:00');
});
