import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderVersusRows, speedsOf, versusRatios, type VersusResult } from './engine-versus.js';

test('ratios are taken within a round, then their median; missing rounds are skipped', () => {
  const perRound = new Map([
    ['a', [{ trainStepsPerSec: 2 }, { trainStepsPerSec: 3 }, { trainStepsPerSec: 1 }, {}]],
    [
      'b',
      [
        { trainStepsPerSec: 1 },
        { trainStepsPerSec: 3 },
        { trainStepsPerSec: 4 },
        { trainStepsPerSec: 1 },
      ],
    ],
  ]);
  const [r] = versusRatios(perRound, [['a', 'b']]);
  assert.deepEqual(r.perRound, [2, 1, 0.25]);
  assert.equal(r.median, 1);
  assert.equal(r.metric, 'trainStepsPerSec');
  assert.deepEqual(versusRatios(perRound, [['a', 'missing']]), []);
});

test('speeds from a suite line: latency becomes a rate', () => {
  const s = speedsOf({
    trainStep: { stepsPerSec: 1.5 },
    embedBatch96: { embeddingsPerSec: 400 },
    embedBatch1: { latencyMs: 4 },
  });
  assert.deepEqual(s, { trainStepsPerSec: 1.5, embedPerSec: 400, batch1PerSec: 250 });
  assert.deepEqual(speedsOf({ trainStep: { error: 'x' } }), {
    trainStepsPerSec: undefined,
    embedPerSec: undefined,
    batch1PerSec: undefined,
  });
});

test('the rendered table shows medians, ratios with their range, and configurations not run', () => {
  const r: VersusResult = {
    rounds: 2,
    runsPerRound: 3,
    configs: [
      {
        name: 'exprsim oneDNN, 1 thread',
        kind: 'exprsim',
        threads: 1,
        median: { trainStepsPerSec: 1.2, batch1PerSec: 200 },
        raw: [],
        detail: 'oneDNN 2.6.3',
      },
      { name: 'PyTorch, 1 thread', kind: 'torch', threads: 1, median: {}, raw: [] },
    ],
    ratios: [
      {
        a: 'exprsim oneDNN, 1 thread',
        b: 'PyTorch, 1 thread',
        metric: 'trainStepsPerSec',
        median: 1.1,
        perRound: [1.0, 1.2],
      },
    ],
  };
  const text = renderVersusRows(r).join('\n');
  assert.match(text, /\| exprsim oneDNN, 1 thread \| oneDNN 2\.6\.3 \| 1\.20 \| – \| 5\.0 \|/);
  assert.match(text, /\| PyTorch, 1 thread \| not run \|/);
  assert.match(
    text,
    /\| exprsim oneDNN, 1 thread \| PyTorch, 1 thread \| ×1\.10 \[1\.00–1\.20\] \| – \| – \|/,
  );
});
