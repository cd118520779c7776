// The evaluation defaults, without TensorFlow.js: evaluate.ts, retrieval.ts, calibration.ts and
// baselines.ts read them, and so does the CLI's help (with the names and kernels it lists).
import type { OptionSpec } from '../core/option-spec.js';
import { DEFAULT_BOOTSTRAP } from '../embed/triplet-accuracy.js';
import { RESIZE_KERNELS } from '../image/types.js';
import { BASELINE_NAMES } from './baseline-names.js';

export { BASELINE_NAMES, type BaselineName } from './baseline-names.js';
/** The resampling kernels a baseline's `resize` takes. */
export { RESIZE_KERNELS };

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

/** Suites (`exprsim eval --suite`). */
export const DEFAULT_SUITE_OPTIONS = Object.freeze({
  /**
   * Margins around the detector's box tried for each baseline on photo sets, the best kept:
   * face-api's expression net scores best on tight boxes (its own SSD's), others on wider ones.
   */
  baselineMargins: Object.freeze([0, 0.1, 0.2]),
});

/** Random-pair distance quantiles (a model's calibration.json). */
export const DEFAULT_CALIBRATION = Object.freeze({
  /** Random pairs drawn. */
  pairs: 20_000,
  /** Quantiles kept, evenly spaced from 0 to 1 inclusive. */
  quantiles: 1001,
  /** Seed of the pair draw. */
  seed: 1,
});

const D = DEFAULT_EVAL_OPTIONS;
const B = DEFAULT_BASELINE_OPTIONS;
const triplets: OptionSpec = {
  flags: '--triplets <dir>',
  help: 'triplet dataset folder (dataset.json)',
  required: true,
};
const split: OptionSpec = { flags: '--split <split>', help: `split to score (default ${D.split})` };
const limit: OptionSpec = { flags: '--limit <n>', help: 'only the first N triplets' };
const noRetrieval: OptionSpec = {
  flags: '--no-retrieval',
  help: 'skip precision@k, mAP and k-NN accuracy',
};
const bootstrap: readonly OptionSpec[] = [
  { flags: '--resamples <n>', help: `bootstrap resamples (default ${D.bootstrap.resamples})` },
  { flags: '--seed <n>', help: `bootstrap seed (default ${D.bootstrap.seed})` },
];

/** `exprsim eval`'s options, in the order of its help (the CLI maps them to EvaluateModelOptions). */
export const EVAL_OPTION_SPECS: readonly OptionSpec[] = Object.freeze([
  {
    flags: '--model <dir>',
    help: 'a model folder (model.json with an exprsim manifest)',
    required: true,
  },
  { flags: '--triplets <dir>', help: 'triplet dataset folder (dataset.json); or --suite' },
  {
    flags: '--suite <file>',
    help: 'score every triplet set of a suite file (JSON/YAML; scripts/make-dev-suite.sh writes the dev suite) and their mean',
  },
  split,
  {
    flags: '--features <cache>',
    help: "feature cache of the model's backbone (else the backbone runs on the images)",
  },
  {
    flags: '--mirror-features <cache>',
    help: 'its mirrored view (`exprsim features … --mirror`), for models that average flips',
  },
  {
    flags: '--average-flip',
    help: 'flip-average the embeddings even if the model does not (to score the option)',
  },
  limit,
  {
    flags: '--labels <csv>',
    help: "labels CSV for retrieval metrics (default: the dataset's own)",
  },
  noRetrieval,
  ...bootstrap,
  { flags: '--knn <k>', help: `k of k-NN accuracy (default ${D.knnK})` },
  {
    flags: '--calibration-out <file>',
    help: "write random-pair distance quantiles of the split's images (a model's calibration.json)",
  },
  {
    flags: '--versus <baselines>',
    help: `also score baselines on the same triplets (all, or some of ${BASELINE_NAMES.join(', ')}) and print the model's margin over each with a paired 95% interval`,
  },
  {
    flags: '--versus-resize <kernel>',
    help: `the baselines' resampling (as baselines --resize): ${RESIZE_KERNELS.join(', ')}`,
  },
  {
    flags: '--baseline-margins <list>',
    help: `with --suite: margins around the detector's box tried for each baseline on photo sets, the best kept (default ${DEFAULT_SUITE_OPTIONS.baselineMargins.join(',')})`,
  },
]);

/** `exprsim baselines`' options, in the order of its help (as EvaluateBaselinesOptions). */
export const BASELINE_OPTION_SPECS: readonly OptionSpec[] = Object.freeze([
  triplets,
  split,
  { flags: '--only <names>', help: `comma-separated subset of ${BASELINE_NAMES.join(', ')}` },
  {
    flags: '--pixels <HxWxC>',
    help: `pixel input of raw pixels and the untrained head (default ${B.pixels.join('x')})`,
  },
  {
    flags: '--resize <kernel>',
    help: `resampling of the pixel baselines and face-api's outputs: ${RESIZE_KERNELS.join(', ')} (default ${B.resize}; face-api.js itself: linear)`,
  },
  { flags: '--head <name>', help: `untrained head (default ${B.head})` },
  { flags: '--preset <name>', help: `untrained head preset (default ${B.preset})` },
  limit,
  noRetrieval,
  ...bootstrap,
]);
