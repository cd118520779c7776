import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRateAt, type LrSchedule } from './schedule.js';

const base: LrSchedule = {
  name: 'constant',
  lr: 0.1,
  warmupSteps: 0,
  stepSize: 10,
  gamma: 0.5,
  minLr: 0,
};
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('constant, with and without warmup', () => {
  assert.equal(learningRateAt(base, 0, 100), 0.1);
  assert.equal(learningRateAt(base, 99, 100), 0.1);
  const w = { ...base, warmupSteps: 4 };
  // (step + 1) / 4 of the rate during warmup: 0.025, 0.05, 0.075, 0.1, then 0.1.
  [0.025, 0.05, 0.075, 0.1, 0.1].forEach((lr, s) => close(learningRateAt(w, s, 100), lr));
});

test('step decay: gamma every stepSize steps, counted after warmup', () => {
  const s = { ...base, name: 'step' as const };
  close(learningRateAt(s, 9, 100), 0.1);
  close(learningRateAt(s, 10, 100), 0.05);
  close(learningRateAt(s, 25, 100), 0.025);
  const w = { ...s, warmupSteps: 5 };
  close(learningRateAt(w, 14, 100), 0.1);
  close(learningRateAt(w, 15, 100), 0.05);
});

test('cosine: lr at the start, half-way at the middle, minLr at the last step', () => {
  const c = { ...base, name: 'cosine' as const, minLr: 0.01 };
  close(learningRateAt(c, 0, 11), 0.1);
  close(learningRateAt(c, 5, 11), 0.055); // cos(π/2) = 0 → (0.1 + 0.01) / 2
  close(learningRateAt(c, 10, 11), 0.01);
  const w = { ...c, warmupSteps: 2 };
  close(learningRateAt(w, 1, 12), 0.1);
  close(learningRateAt(w, 2, 12), 0.1);
  close(learningRateAt(w, 11, 12), 0.01);
});
