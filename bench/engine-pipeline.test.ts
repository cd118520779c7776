import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  pipelineRatios,
  pipelineSpeeds,
  renderPipelineRows,
  rotated,
  type PipelineResult,
} from './engine-pipeline.js';

test('each round starts one configuration later', () => {
  assert.deepEqual(rotated(['a', 'b', 'c'], 0), ['a', 'b', 'c']);
  assert.deepEqual(rotated(['a', 'b', 'c'], 1), ['b', 'c', 'a']);
  assert.deepEqual(rotated(['a', 'b', 'c'], 5), ['c', 'a', 'b']);
});

test('speeds from a suite line; ratios within a round, failed rounds skipped', () => {
  assert.deepEqual(pipelineSpeeds({ embed: { facesPerSec: 90 }, index: { photosPerSec: 2 } }), {
    facesPerSec: 90,
    photosPerSec: 2,
  });
  assert.deepEqual(pipelineSpeeds(undefined), {});
  const perRound = new Map([
    ['a', [{ facesPerSec: 4, photosPerSec: 1 }, {}, { facesPerSec: 9 }]],
    ['b', [{ facesPerSec: 2, photosPerSec: 2 }, { facesPerSec: 1 }, { facesPerSec: 3 }]],
  ]);
  const rs = pipelineRatios(perRound, [['a', 'b']]);
  assert.deepEqual(
    rs.map((r) => [r.metric, r.perRound, r.median]),
    [
      ['facesPerSec', [2, 3], 2.5],
      ['photosPerSec', [0.5], 0.5],
    ],
  );
});

test('rows: medians per configuration, then the ratios with their range', () => {
  const r: PipelineResult = {
    rounds: 2,
    photos: 40,
    runs: 5,
    configs: [
      {
        name: 'oneDNN, 1 thread',
        median: { facesPerSec: 120, photosPerSec: 3 },
        detail: 'x',
        raw: [],
      },
      { name: 'old path (OpenBLAS), 1 thread', median: { facesPerSec: 60 }, raw: [] },
    ],
    ratios: [
      {
        a: 'oneDNN, 1 thread',
        b: 'old path (OpenBLAS), 1 thread',
        metric: 'facesPerSec',
        median: 2,
        perRound: [1.5, 2.5],
      },
    ],
  };
  const rows = renderPipelineRows(r);
  assert.ok(rows.includes('| oneDNN, 1 thread | x | 120.0 | 3.00 |'));
  assert.ok(rows.includes('| old path (OpenBLAS), 1 thread | not run | 60.0 | – |'));
  assert.ok(
    rows.includes('| oneDNN, 1 thread | old path (OpenBLAS), 1 thread | ×2.00 [1.50–2.50] | – |'),
  );
});
