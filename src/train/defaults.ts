// The training options described once, without TensorFlow.js: the defaults resolveTrainConfig
// fills in, the rule each value must follow, and the options a resumed run may change. The
// resolver (config.ts), experiment plans (their option kinds) and the CLI's help all read these.
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
