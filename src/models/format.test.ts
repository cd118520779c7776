import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHeadSummaries, headSummariesJson } from './format.js';
import type { HeadSummary } from './summary.js';

const base = { inputMode: 'features', inputShape: [7, 7, 64], embeddingSize: 16 };
const ROWS = [
  {
    head: 'fecnet',
    preset: 'paper',
    config: { ...base, layers: 5, growth: 64 },
    params: 2536720,
    trainableParams: 2526096,
    flops: 204_800_000,
  },
  {
    head: 'se-densenet',
    preset: 'shallow',
    config: { ...base, layersPerBlock: 2, growth: 16 },
    params: 113327,
    trainableParams: 111695,
    flops: 6_700_000,
  },
] as unknown as HeadSummary[];

test('the table: the input, then one row per head and preset, numbers right-aligned', () => {
  assert.deepEqual(formatHeadSummaries(ROWS, 'pixels', [32, 32, 1]), [
    'pixel input 32x32x1; FLOPs = 2 x multiply-adds of convs and FC layers; params include BN statistics',
    'head         preset   layers        params  trainable  MFLOPs/face',
    'fecnet       paper    5, k=64    2,536,720  2,526,096        204.8',
    'se-densenet  shallow  3x2, k=16    113,327    111,695          6.7',
  ]);
  assert.match(
    formatHeadSummaries([], 'features', [7, 7, 1024])[0],
    /^feature-map input 7x7x1024;/,
  );
});

test('the JSON: the input and each row with its config, in a fixed key order', () => {
  const json = headSummariesJson(ROWS, 'features', [7, 7, 64]);
  assert.deepEqual(json.input, { mode: 'features', shape: [7, 7, 64] });
  assert.deepEqual(Object.keys(json.heads[0]), [
    'head',
    'preset',
    'params',
    'trainableParams',
    'flops',
    'config',
  ]);
  assert.deepEqual(json.heads[1], { ...ROWS[1] });
});
