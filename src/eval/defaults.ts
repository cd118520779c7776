// The evaluation defaults, without TensorFlow.js: evaluate.ts, retrieval.ts, calibration.ts and
// baselines.ts read them, and so does the CLI's help (with the names and kernels it lists).
import { DEFAULT_BOOTSTRAP } from '../embed/triplet-accuracy.js';

export { BASELINE_NAMES, type BaselineName } from './baseline-names.js';
/** The resampling kernels a baseline's `resize` takes. */
export { RESIZE_KERNELS } from '../image/types.js';

/** What evaluateModel and evaluateBaselines use when an option is left out. */
export const DEFAULT_EVAL_OPTIONS = Object.freeze({
  /** The split scored. */
  split: 'test',
  /** Bootstrap intervals of the triplet accuracy (and of margins over baselines). */
  bootstrap: DEFAULT_BOOTSTRAP,
  /** Retrieval: precision@k for these k, and the k of k-NN accuracy. */
  ks: Object.freeze([1, 5, 10]),
  knnK: 5,
} as const);

/** The baselines' own options (evaluateBaselines, runBaselines). */
export const DEFAULT_BASELINE_OPTIONS = Object.freeze({
  /** Pixel input of raw pixels and the untrained head (FER2013's faces). */
  pixels: Object.freeze([48, 48, 1] as const),
  /** The untrained head and its preset. */
  head: 'se-densenet',
  preset: 'shallow',
  /** Resampling of the pixel baselines and face-api's inputs (exprsim's preprocessing). */
  resize: 'lanczos3',
} as const);

/** Random-pair distance quantiles (a model's calibration.json). */
export const DEFAULT_CALIBRATION = Object.freeze({
  /** Random pairs drawn. */
  pairs: 20_000,
  /** Quantiles kept, evenly spaced from 0 to 1 inclusive. */
  quantiles: 1001,
  /** Seed of the pair draw. */
  seed: 1,
});
