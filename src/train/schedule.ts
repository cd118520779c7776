import { ExprsimError } from '../core/errors.js';

/**
 * Learning-rate schedules, as pure functions of the step (0-based: the rate used for update
 * number `step + 1`), so a resumed run recomputes exactly the rates of an uninterrupted one.
 *
 * - `constant`: `lr`.
 * - `step`: `lr · gamma^⌊(step − warmup) / stepSize⌋` (PyTorch's StepLR, counted after warmup).
 * - `cosine`: `minLr + (lr − minLr) · (1 + cos(π · t)) / 2`, t = (step − warmup) / (total − warmup),
 *   from `lr` after warmup down to `minLr` at the last step (PyTorch's CosineAnnealingLR).
 *
 * Warmup (optional, any schedule): the first `warmupSteps` steps rise linearly,
 * `lr · (step + 1) / warmupSteps`, reaching `lr` at the end of warmup.
 */
export type ScheduleName = 'constant' | 'step' | 'cosine';
export const SCHEDULE_NAMES: readonly ScheduleName[] = ['constant', 'step', 'cosine'];

export interface LrSchedule {
  name: ScheduleName;
  /** Base (peak) learning rate. */
  lr: number;
  /** Linear warmup steps; 0 = none. */
  warmupSteps: number;
  /** `step`: steps between decays. */
  stepSize: number;
  /** `step`: decay factor. */
  gamma: number;
  /** `cosine`: the final learning rate. */
  minLr: number;
}

export function learningRateAt(s: LrSchedule, step: number, totalSteps: number): number {
  if (!Number.isInteger(step) || step < 0) {
    throw new ExprsimError('E_BAD_OPTION', `step must be a whole number >= 0, got ${step}`);
  }
  if (s.warmupSteps > 0 && step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  const after = step - s.warmupSteps;
  switch (s.name) {
    case 'constant':
      return s.lr;
    case 'step':
      return s.lr * Math.pow(s.gamma, Math.floor(after / s.stepSize));
    case 'cosine': {
      const span = Math.max(1, totalSteps - s.warmupSteps - 1);
      const t = Math.min(1, after / span);
      return s.minLr + ((s.lr - s.minLr) * (1 + Math.cos(Math.PI * t))) / 2;
    }
  }
}
