import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { augmentsAnything, resolveAugment, type AugmentConfig } from './augment.js';
import { ExprsimError } from '../core/errors.js';
import { requireSeed } from '../core/prng.js';
import type { SplitName } from '../data/labelled.js';
import { SPLITS } from '../data/labelled.js';
import {
  getHeadDefinition,
  type HeadName,
  type ResolvedHeadConfig,
} from '../models/heads/registry.js';
import type { Shape3 } from '../core/types.js';
import { headTailOf } from '../models/heads/common.js';
import { LOSS_NAMES, type LossName } from './gradients.js';
import type { InputSpec } from '../embed/input-source.js';
import { OPTIMIZER_NAMES, type OptimizerConfig, type OptimizerName } from './optimizer.js';
import { SCHEDULE_NAMES, type LrSchedule, type ScheduleName } from './schedule.js';

/**
 * Everything that determines a training run, resolved: `resolveTrainConfig` fills in the
 * defaults documented on {@link TrainOptions} (with `??`, so an explicit 0 or false is kept)
 * and validates every value (E_BAD_OPTION naming the option). It is written to
 * `runs/NAME/config.json`, and `--resume` reads it back, so a resumed run trains exactly as the
 * interrupted one did.
 */
export interface TrainConfig {
  /** The head, its config resolved (inputMode and inputShape follow the input). */
  head: { name: HeadName; config: ResolvedHeadConfig };
  input: InputSpec;
  /** The triplet dataset folder (dataset.json), absolute. */
  triplets: string;
  trainSplit: SplitName;
  valSplit: SplitName;
  /** Use only the first N triplets of the split; 0 = all. */
  trainLimit: number;
  valLimit: number;
  /** Triplets per step. */
  batchSize: number;
  /** Passes over the training triplets (used when `steps` is 0). */
  epochs: number;
  /** Total optimiser steps; 0 = epochs × steps per epoch. */
  steps: number;
  optimizer: OptimizerConfig;
  schedule: LrSchedule;
  loss: LossName;
  /** δ per triplet type (both losses). */
  margins: { oneClass: number; other: number };
  /** Seeds the data order (per epoch) and, unless the head config names one, the init. */
  seed: number;
  /** Validate every N steps; 0 = at the end of every epoch. */
  valEvery: number;
  /** Checkpoint every N steps; 0 = after every validation. */
  checkpointEvery: number;
  /** Stop after this many validations without a better val accuracy; 0 = never. */
  patience: number;
  /** Improvement in val accuracy that counts as better. */
  minDelta: number;
  /** Data-parallel worker processes; ≤ 1 = train in the main process. */
  workers: number;
  /**
   * Training-time augmentation of pixel inputs (src/train/augment.ts); absent = none (and in
   * config.json files written before it existed).
   */
  augment?: AugmentConfig;
  /**
   * Embed each face as the mean of its own and its mirror image's embedding (re-normalised), in
   * validation and in the exported model (`averageFlip` in its manifest). Pixel inputs, or
   * feature inputs with a mirrored cache. Absent = false.
   */
  averageFlip?: boolean;
  /**
   * Start from this model's weights instead of a fresh init (`--init`): its folder and the
   * sha256 of its weights.bin, recorded by the trainer. Absent = fresh init.
   */
  init?: { model: string; weightsSha256?: string };
  /**
   * The tail's learning rate is the schedule's × this (`--tail-lr-scale`); absent = 1. Only for
   * heads with a tail: e.g. fine-tune the backbone block faster than an already trained head.
   */
  tailLrScale?: number;
}

export interface TrainOptions {
  /** Required, unless `init` names a model: then default the model's head and head config. */
  head?: string;
  /** Head options (e.g. { preset: 'deep' }); inputMode and inputShape come from the input. */
  headConfig?: Record<string, unknown>;
  /** Required: pixels (shape), a feature cache, or random inputs. */
  input: InputSpec;
  /** Required: a triplet dataset folder. */
  triplets: string;
  /** Default 'train'. */
  trainSplit?: SplitName;
  /** Default 'val'. */
  valSplit?: SplitName;
  /** Default 0 (all). */
  trainLimit?: number;
  /** Default 0 (all). */
  valLimit?: number;
  /** Default 32. */
  batchSize?: number;
  /** Default 10. */
  epochs?: number;
  /** Default 0 (from epochs). */
  steps?: number;
  /** Default 'adam'. */
  optimizer?: OptimizerName;
  /** Default 1e-3 for adam, 0.01 for sgd. */
  lr?: number;
  /** Default 0. */
  weightDecay?: number;
  /** sgd momentum; default 0.9. */
  momentum?: number;
  /** Default false. */
  nesterov?: boolean;
  /** Defaults 0.9, 0.999, 1e-8. */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Default 'constant'. */
  schedule?: ScheduleName;
  /** Default 0. */
  warmupSteps?: number;
  /** `step` schedule: default a third of the steps. */
  stepSize?: number;
  /** `step` schedule: default 0.1. */
  gamma?: number;
  /** `cosine`: default 0. */
  minLr?: number;
  /** Default 'fec'. */
  loss?: LossName;
  /** Default 0.1 (FECNet's one-class margin). */
  marginOneClass?: number;
  /** Default 0.2 (FECNet's two- and three-class margin). */
  marginOther?: number;
  /** Default 1. */
  seed?: number;
  /** Default 0 (every epoch). */
  valEvery?: number;
  /** Default 0 (after every validation). */
  checkpointEvery?: number;
  /** Default 0 (no early stopping). */
  patience?: number;
  /** Default 0. */
  minDelta?: number;
  /** Default: one per core (os.availableParallelism()). */
  workers?: number;
  /**
   * Default none. Mirror (`flip`) and move (`shift`) training images: pixel inputs; feature
   * inputs can flip when the input names a mirrored cache (`input.mirror`).
   */
  augment?: { flip?: boolean; shift?: number };
  /** Default false. See {@link TrainConfig.averageFlip}. */
  averageFlip?: boolean;
  /**
   * Default none. A model folder (saveModel) whose weights start the run, e.g. to continue a
   * finished run with a new schedule or data; its head, input shape and backbone must match.
   */
  init?: string;
  /** Default 1. See {@link TrainConfig.tailLrScale}. */
  tailLrScale?: number;
}

function bad(option: string, value: unknown, what: string): ExprsimError {
  return new ExprsimError(
    'E_BAD_OPTION',
    `${option} must be ${what}, got ${JSON.stringify(value)}`,
    {
      input: `${option}=${String(value)}`,
      fix: `pass ${what}`,
    },
  );
}

function int(option: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw bad(option, value, `a whole number >= ${min}`);
  return value;
}

function real(option: string, value: number, min: number, max = Infinity, open = false): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (open && value === min)
  ) {
    throw bad(
      option,
      value,
      `a number ${open ? '>' : '>='} ${min}${max < Infinity ? ` and <= ${max}` : ''}`,
    );
  }
  return value;
}

function oneOf<T extends string>(option: string, value: T, names: readonly T[]): T {
  if (!names.includes(value)) throw bad(option, value, `one of ${names.join(', ')}`);
  return value;
}

/** The head's input from the input spec (features: the cache's map shape, known once opened). */
export function inputShapeOf(spec: InputSpec, featureShape?: Shape3): Shape3 {
  if (spec.kind === 'features') {
    if (featureShape === undefined)
      throw new Error('the feature shape is needed for a feature cache');
    return featureShape;
  }
  return [...spec.shape];
}

/** Validates options and fills in defaults. `inputShape` is the source's (see inputShapeOf). */
export function resolveTrainConfig(o: TrainOptions, inputShape: Shape3): TrainConfig {
  const optimizer = oneOf('optimizer', o.optimizer ?? 'adam', OPTIMIZER_NAMES);
  const schedule = oneOf('schedule', o.schedule ?? 'constant', SCHEDULE_NAMES);
  const seed = requireSeed(o.seed ?? 1, 'seed');
  if (o.head === undefined) {
    throw new ExprsimError('E_BAD_OPTION', 'head is required', {
      fix: 'name a head (e.g. --head se-densenet), or start from a model with --init',
    });
  }
  const def = getHeadDefinition(o.head);
  const headConfig = def.resolve({
    seed,
    ...(o.headConfig ?? {}),
    inputMode: o.input.kind === 'pixels' ? 'pixels' : 'features',
    inputShape,
  } as never);
  const epochs = int('epochs', o.epochs ?? 10, 1);
  const steps = int('steps', o.steps ?? 0, 0);
  const lr = real('lr', o.lr ?? (optimizer === 'adam' ? 1e-3 : 0.01), 0, Infinity, true);
  const split = (name: string, v: SplitName) => oneOf(name, v, SPLITS);
  return {
    head: { name: def.name, config: headConfig },
    input:
      o.input.kind === 'features'
        ? {
            kind: 'features',
            cache: resolve(o.input.cache),
            ...(o.input.mirror !== undefined ? { mirror: resolve(o.input.mirror) } : {}),
          }
        : o.input,
    triplets: resolve(o.triplets),
    trainSplit: split('trainSplit', o.trainSplit ?? 'train'),
    valSplit: split('valSplit', o.valSplit ?? 'val'),
    trainLimit: int('trainLimit', o.trainLimit ?? 0, 0),
    valLimit: int('valLimit', o.valLimit ?? 0, 0),
    batchSize: int('batchSize', o.batchSize ?? 32, 1),
    epochs,
    steps,
    optimizer: {
      name: optimizer,
      weightDecay: real('weightDecay', o.weightDecay ?? 0, 0),
      momentum: real('momentum', o.momentum ?? 0.9, 0, 1),
      nesterov: o.nesterov ?? false,
      beta1: real('beta1', o.beta1 ?? 0.9, 0, 1),
      beta2: real('beta2', o.beta2 ?? 0.999, 0, 1),
      epsilon: real('epsilon', o.epsilon ?? 1e-8, 0, Infinity, true),
    },
    schedule: {
      name: schedule,
      lr,
      warmupSteps: int('warmupSteps', o.warmupSteps ?? 0, 0),
      // 0 = a third of the run, filled in by the trainer once the step count is known.
      stepSize: int('stepSize', o.stepSize ?? 0, 0),
      gamma: real('gamma', o.gamma ?? 0.1, 0, 1),
      minLr: real('minLr', o.minLr ?? 0, 0),
    },
    loss: oneOf('loss', o.loss ?? 'fec', LOSS_NAMES),
    margins: {
      oneClass: real('marginOneClass', o.marginOneClass ?? 0.1, 0),
      other: real('marginOther', o.marginOther ?? 0.2, 0),
    },
    seed,
    valEvery: int('valEvery', o.valEvery ?? 0, 0),
    checkpointEvery: int('checkpointEvery', o.checkpointEvery ?? 0, 0),
    patience: int('patience', o.patience ?? 0, 0),
    minDelta: real('minDelta', o.minDelta ?? 0, 0),
    workers: int('workers', o.workers ?? availableParallelism(), 0),
    ...augmentOption(o),
    ...averageFlipOption(o),
    ...(o.init !== undefined ? { init: { model: resolve(o.init) } } : {}),
    ...tailLrScaleOption(o, headTailOf(headConfig)),
  };
}

/** `tailLrScale` checked against the run's head tail ('none' without one): a number ≥ 0, with a tail. */
export function tailLrScaleOption(
  o: Pick<TrainOptions, 'tailLrScale'>,
  tail: string,
): { tailLrScale?: number } {
  if (o.tailLrScale === undefined) return {};
  const tailLrScale = real('tailLrScale', o.tailLrScale, 0);
  if (tail === 'none') {
    throw new ExprsimError('E_BAD_OPTION', 'tailLrScale needs a head with a tail', {
      input: `--tail-lr-scale ${o.tailLrScale}`,
      fix: `add --head-config '{"tail":"faceapi-expression-dense3"}' (on a dense2 cache), or leave it out`,
    });
  }
  return { tailLrScale };
}

/**
 * Checks the options that depend on the input (augmentation, flip averaging) against it, as
 * resolveTrainConfig does; for plans, which check options before their inputs are opened.
 */
export function checkInputOptions(
  o: Pick<TrainOptions, 'input' | 'augment' | 'averageFlip'>,
): void {
  augmentOption(o as TrainOptions);
  averageFlipOption(o as TrainOptions);
}

const MIRROR_FIX =
  'extract the mirrored view with the same `exprsim features` arguments plus --mirror --out DIR, and pass --mirror-features DIR';

/**
 * The augmentation config of a run, only when it changes something: pixel inputs, or flips of
 * feature inputs with a mirrored cache (a cache holds fixed maps, so no shifts).
 */
function augmentOption(o: TrainOptions): { augment?: AugmentConfig } {
  const augment = resolveAugment(o.augment);
  if (!augmentsAnything(augment)) return {};
  if (o.input.kind === 'features') {
    if (augment.shift > 0) {
      throw new ExprsimError('E_BAD_OPTION', '--shift needs pixel inputs', {
        input: `shift=${augment.shift}`,
        fix: 'train on --pixels, or drop --shift (a feature cache holds fixed maps)',
      });
    }
    if (o.input.mirror === undefined) {
      throw new ExprsimError('E_BAD_OPTION', '--flip on feature inputs needs their mirrored view', {
        input: o.input.cache,
        fix: MIRROR_FIX,
      });
    }
  } else if (o.input.kind !== 'pixels') {
    throw new ExprsimError('E_BAD_OPTION', 'augmentation (--flip, --shift) needs pixel inputs', {
      input: `input ${o.input.kind}`,
      fix: 'train on --pixels or a feature cache, or drop --flip / --shift',
    });
  }
  return { augment };
}

/** Flip averaging, when asked for: needs mirrored inputs (pixels, or a mirrored cache). */
function averageFlipOption(o: TrainOptions): { averageFlip?: boolean } {
  const v = o.averageFlip ?? false;
  if (typeof v !== 'boolean') throw bad('averageFlip', v, 'true or false');
  if (!v) return {};
  if (o.input.kind === 'features' && o.input.mirror === undefined) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      '--average-flip on feature inputs needs their mirrored view',
      {
        input: o.input.cache,
        fix: MIRROR_FIX,
      },
    );
  }
  if (o.input.kind === 'random') {
    throw new ExprsimError('E_BAD_OPTION', '--average-flip needs pixel or feature inputs', {
      input: 'input random',
    });
  }
  return { averageFlip: true };
}
