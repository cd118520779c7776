// The training options described once, without TensorFlow.js: the defaults resolveTrainConfig
// fills in, the rule each value must follow, and the options a resumed run may change. The
// resolver (config.ts), experiment plans (their option kinds) and the CLI's help all read these.
import { longFlag, type OptionSpec } from '../core/option-spec.js';
import { SPLITS } from '../data/labelled.js';
import { SCHEDULE_NAMES } from './schedule.js';

export { SCHEDULE_NAMES };

export type OptimizerName = 'adam' | 'sgd';
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['adam', 'sgd'];

export type LossName = 'fec' | 'margin';
export const LOSS_NAMES: readonly LossName[] = ['fec', 'margin'];

/**
 * The value every training option takes when it is left out (see TrainOptions in config.ts).
 * Not here: `lr` (by optimizer: DEFAULT_LR) and `workers` (one per core).
 */
export const DEFAULT_TRAIN_OPTIONS = Object.freeze({
  trainSplit: 'train',
  valSplit: 'val',
  /** 0 = all triplets. */
  trainLimit: 0,
  valLimit: 0,
  batchSize: 32,
  epochs: 10,
  /** 0 = epochs × steps per epoch. */
  steps: 0,
  optimizer: 'adam',
  weightDecay: 0,
  momentum: 0.9,
  nesterov: false,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  schedule: 'constant',
  warmupSteps: 0,
  /** 0 = a third of the run, filled in by the trainer once the step count is known. */
  stepSize: 0,
  gamma: 0.1,
  minLr: 0,
  loss: 'fec',
  /** FECNet's margins: one-class triplets, and two- and three-class ones. */
  marginOneClass: 0.1,
  marginOther: 0.2,
  seed: 1,
  /** 0 = at the end of every epoch. */
  valEvery: 0,
  /** 0 = after every validation. */
  checkpointEvery: 0,
  /** 0 = no early stopping. */
  patience: 0,
  minDelta: 0,
  averageFlip: false,
  tailLrScale: 1,
} as const);

/** The learning rate by optimizer, when `lr` is left out. */
export const DEFAULT_LR: Readonly<Record<OptimizerName, number>> = Object.freeze({
  adam: 1e-3,
  sgd: 0.01,
});

/** What a training option's value must be. `above`: greater than `min`, not equal. */
export type TrainOptionRule =
  | { kind: 'int'; min: number; max?: number }
  | { kind: 'number'; min: number; max?: number; above?: boolean }
  | { kind: 'boolean' }
  | { kind: 'choice'; names: readonly string[] }
  | { kind: 'augment' };

/**
 * The rule of every option a run's settings hold (all but the head, input, triplets and init):
 * resolveTrainConfig checks each value by it (config.ts has the one checker), and plans take
 * exactly these keys.
 */
export const TRAIN_OPTION_RULES = Object.freeze({
  trainSplit: { kind: 'choice', names: SPLITS },
  valSplit: { kind: 'choice', names: SPLITS },
  trainLimit: { kind: 'int', min: 0 },
  valLimit: { kind: 'int', min: 0 },
  batchSize: { kind: 'int', min: 1 },
  epochs: { kind: 'int', min: 1 },
  steps: { kind: 'int', min: 0 },
  optimizer: { kind: 'choice', names: OPTIMIZER_NAMES },
  lr: { kind: 'number', min: 0, above: true },
  weightDecay: { kind: 'number', min: 0 },
  momentum: { kind: 'number', min: 0, max: 1 },
  nesterov: { kind: 'boolean' },
  beta1: { kind: 'number', min: 0, max: 1 },
  beta2: { kind: 'number', min: 0, max: 1 },
  epsilon: { kind: 'number', min: 0, above: true },
  schedule: { kind: 'choice', names: SCHEDULE_NAMES },
  warmupSteps: { kind: 'int', min: 0 },
  stepSize: { kind: 'int', min: 0 },
  gamma: { kind: 'number', min: 0, max: 1 },
  minLr: { kind: 'number', min: 0 },
  loss: { kind: 'choice', names: LOSS_NAMES },
  marginOneClass: { kind: 'number', min: 0 },
  marginOther: { kind: 'number', min: 0 },
  seed: { kind: 'int', min: 0, max: 0xffffffff },
  valEvery: { kind: 'int', min: 0 },
  checkpointEvery: { kind: 'int', min: 0 },
  patience: { kind: 'int', min: 0 },
  minDelta: { kind: 'number', min: 0 },
  workers: { kind: 'int', min: 0 },
  augment: { kind: 'augment' },
  averageFlip: { kind: 'boolean' },
  tailLrScale: { kind: 'number', min: 0 },
} as const satisfies Record<string, TrainOptionRule>);

export type TrainOptionKey = keyof typeof TRAIN_OPTION_RULES;

/** The options a resumed run may change (more steps or epochs, other workers, patience). */
export const RESUME_OPTIONS = Object.freeze(['steps', 'epochs', 'workers', 'patience'] as const);
export type ResumeOptionKey = (typeof RESUME_OPTIONS)[number];

const D = DEFAULT_TRAIN_OPTIONS;

/** `exprsim train`'s options, in the order of its help (the CLI maps them to TrainOptions). */
export const TRAIN_OPTION_SPECS: readonly OptionSpec[] = Object.freeze([
  {
    flags: '--head <name>',
    help: 'head: fecnet, densenet, attention-densenet, less-densenet, se-densenet, skip-densenet',
  },
  { flags: '--preset <name>', help: 'head preset (deep, shallow; paper for fecnet)' },
  { flags: '--head-config <json>', help: 'more head options as JSON, e.g. {"dropout":0.1}' },
  {
    flags: '--triplets <dir>',
    help: 'triplet dataset folder (dataset.json with train and val splits)',
  },
  { flags: '--features <cache>', help: 'train on a feature cache from `exprsim features`' },
  { flags: '--pixels <HxWxC>', help: 'train on face pixels resized to HxW, C = 1 (grey) or 3' },
  { flags: '--random <HxWxC>', help: 'train on seeded random inputs of this shape (benchmarks)' },
  { flags: '--out <dir>', help: 'run folder, e.g. runs/NAME', required: true },
  {
    flags: '--resume',
    help: `continue the run in --out from its last checkpoint, with its config.json (only ${RESUME_OPTIONS.map(longFlag).join(', ')} may change)`,
  },
  {
    flags: '--init <model>',
    help: 'start from a trained model\'s weights (its head unless --head; same backbone), e.g. to train it on with a new schedule; with --head-config \'{"tail":"faceapi-expression-dense3"}\' on a dense2 cache, a dense3 model also fine-tunes the backbone\'s last block',
  },
  { flags: '--train-split <split>', help: `split to train on (default ${D.trainSplit})` },
  { flags: '--val-split <split>', help: `split to validate on (default ${D.valSplit})` },
  {
    flags: '--val-suite <file>',
    help: 'also score each validation on every set of this eval suite (see `exprsim eval --suite`) and keep as best the model with the best mean over its sets',
  },
  { flags: '--train-limit <n>', help: 'use only the first N training triplets' },
  { flags: '--val-limit <n>', help: 'use only the first N validation triplets' },
  { flags: '--batch-size <n>', help: `triplets per step (default ${D.batchSize})` },
  { flags: '--epochs <n>', help: `passes over the training triplets (default ${D.epochs})` },
  { flags: '--steps <n>', help: 'optimizer steps (overrides --epochs)' },
  { flags: '--optimizer <name>', help: `${OPTIMIZER_NAMES.join(' or ')} (default ${D.optimizer})` },
  {
    flags: '--lr <x>',
    help: `learning rate (default ${OPTIMIZER_NAMES.map((n) => `${DEFAULT_LR[n]} ${n}`).join(', ')})`,
  },
  {
    flags: '--tail-lr-scale <x>',
    help: `with a head tail: the tail's learning rate is --lr × x (default ${D.tailLrScale}), e.g. to fine-tune the backbone block faster than a trained head`,
  },
  { flags: '--weight-decay <x>', help: `L2 weight decay (default ${D.weightDecay})` },
  { flags: '--momentum <x>', help: `sgd momentum (default ${D.momentum})` },
  { flags: '--nesterov', help: 'sgd: Nesterov momentum' },
  {
    flags: '--schedule <name>',
    help: `learning-rate schedule: ${SCHEDULE_NAMES.join(', ')} (default ${D.schedule})`,
  },
  { flags: '--warmup-steps <n>', help: `linear warmup steps (default ${D.warmupSteps})` },
  {
    flags: '--step-size <n>',
    help: 'step schedule: steps between decays (default a third of the run)',
  },
  { flags: '--gamma <x>', help: `step schedule: decay factor (default ${D.gamma})` },
  { flags: '--min-lr <x>', help: `cosine schedule: final learning rate (default ${D.minLr})` },
  {
    flags: '--loss <name>',
    help: `fec (FECNet, both hinges, squared L2) or margin (default ${D.loss})`,
  },
  {
    flags: '--margin-one-class <x>',
    help: `margin of one-class triplets (default ${D.marginOneClass})`,
  },
  {
    flags: '--margin-other <x>',
    help: `margin of two- and three-class triplets (default ${D.marginOther})`,
  },
  { flags: '--seed <n>', help: `seed of data order and weight init (default ${D.seed})` },
  { flags: '--val-every <n>', help: 'validate every N steps (default: every epoch)' },
  {
    flags: '--checkpoint-every <n>',
    help: 'checkpoint every N steps (default: after each validation)',
  },
  {
    flags: '--patience <n>',
    help: `stop after N validations without improvement (default ${D.patience} = never)`,
  },
  {
    flags: '--min-delta <x>',
    help: `val accuracy gain that counts as improvement (default ${D.minDelta})`,
  },
  {
    flags: '--workers <n>',
    help: 'training worker processes (default one per core; 1 = in-process)',
  },
  {
    flags: '--mirror-features <cache>',
    help: 'the mirrored view of --features (`exprsim features … --mirror`), for --flip and --average-flip',
  },
  {
    flags: '--flip',
    help: 'mirror each training face left-right with probability ½ (pixels, or --features with --mirror-features)',
  },
  {
    flags: '--average-flip',
    help: 'embed each face as the mean of its own and its mirror image’s embedding, in validation and in the exported model',
  },
  {
    flags: '--shift <f>',
    help: 'pixel inputs: move each training image by up to this fraction of its side (e.g. 0.1)',
  },
  {
    flags: '--scale <f>',
    help: 'pixel inputs: zoom each training image so its crop spans 1 ± up to this fraction of its side (e.g. 0.15)',
  },
  {
    flags: '--brightness <f>',
    help: 'pixel inputs: add up to ± this fraction of the pixel range to each training image (e.g. 0.1)',
  },
  {
    flags: '--contrast <f>',
    help: 'pixel inputs: scale each training image around its mean by 1 ± up to this (e.g. 0.2)',
  },
  {
    flags: '--blur <p>',
    help: 'pixel inputs: blur this share of the training images with a 3x3 Gaussian (e.g. 0.2)',
  },
]);
