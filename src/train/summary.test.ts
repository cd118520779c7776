import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrainConfig } from './config.js';
import { formatTrainSummary, formatValidationLine, trainSummaryJson } from './summary.js';
import type { TrainResult } from './trainer.js';

const run = (over: Partial<TrainResult> = {}): TrainResult => ({
  out: 'runs/a',
  status: 'completed',
  step: 40,
  totalSteps: 40,
  startStep: 0,
  tripletsPerSec: 123.456,
  elapsed: 10,
  config: { workers: 2 } as TrainConfig,
  lastValidation: { step: 40, valLoss: 0.12345, valAccuracy: 0.6123, valAccuracyByType: {} },
  best: { step: 20, valAccuracy: 0.625, dir: 'runs/a/best' },
  ...over,
});

test('a finished run in a few lines', () => {
  assert.deepEqual(formatTrainSummary(run(), { backend: 'wasm', native: { loaded: true } }), [
    'run:        runs/a',
    'status:     completed at step 40/40',
    'speed:      123.5 triplets/s (2 workers, wasm + native BLAS)',
    'last val:   accuracy 61.2%, loss 0.1235 (step 40)',
    'best:       62.5% at step 20 -> runs/a/best',
  ]);
});

test('a stopped run says how to resume it', () => {
  const r = run({
    status: 'interrupted',
    step: 7,
    startStep: 3,
    config: { workers: 1 } as TrainConfig,
    lastValidation: undefined,
    best: undefined,
  });
  assert.deepEqual(formatTrainSummary(r, { backend: 'cpu' }), [
    'run:        runs/a',
    'status:     interrupted at step 7/40 (resumed from 3)',
    'speed:      123.5 triplets/s (one process, cpu)',
    'resume:     exprsim train --out runs/a --resume',
  ]);
});

test('the JSON summary leaves out the resolved config', () => {
  const json = trainSummaryJson(run());
  assert.equal('config' in json, false);
  assert.equal(json.out, 'runs/a');
  assert.equal(json.best?.dir, 'runs/a/best');
});

test('a validation as one log line', () => {
  assert.equal(
    formatValidationLine({ kind: 'val', step: 40, valLoss: 0.1, valAccuracy: 0.5 } as never),
    'step 40: val accuracy 50.0%, val loss 0.1000',
  );
});
