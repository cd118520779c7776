import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { augmentsAnything, resolveAugment, type AugmentConfig } from './augment.js';
import { ExprsimError } from '../core/errors.js';
import type { SplitName } from '../data/labelled.js';
import {
  getHeadDefinition,
  type HeadName,
  type ResolvedHeadConfig,
} from '../models/heads/registry.js';
import type { Shape3 } from '../core/types.js';
import { headTailOf } from '../models/heads/common.js';
import type { InputSpec } from '../embed/input-source.js';
import type { OptimizerConfig } from './optimizer.js';
import type { LrSchedule, ScheduleName } from './schedule.js';
import {
  DEFAULT_LR,
  DEFAULT_TRAIN_OPTIONS as D,
  RESUME_OPTIONS,
  TRAIN_OPTION_RULES,
  type LossName,
  type OptimizerName,
  type ResumeOptionKey,
  type TrainOptionKey,
  type TrainOptionRule,
} from './defaults.js';

/**
 * Everything that determines a training run, resolved: `resolveTrainConfig` fills in the
 * defaults (DEFAULT_TRAIN_OPTIONS, with `??`, so an explicit 0 or false is kept) and validates
 * every value (E_BAD_OPTION naming the option key). It is written to `runs/NAME/config.json`,
 * and a `resume` reads it back, so a resumed run trains exactly as the interrupted one did.
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
   * Start from this model's weights instead of a fresh init (`init`): its folder and the
   * sha256 of its weights.bin, recorded by the trainer. Absent = fresh init.
   */
  init?: { model: string; weightsSha256?: string };
  /**
   * A suite file (eval's suite.ts), absolute: each validation also scores the candidate on every
   * set of it, and the best model is the one with the best mean over the sets (issue 21), not
   * the best on the run's own val split. Absent = the val split alone chooses.
   */
  valSuite?: string;
  /**
   * The tail's learning rate is the schedule's × this; absent = 1. Only for
   * heads with a tail: e.g. fine-tune the backbone block faster than an already trained head.
   */
  tailLrScale?: number;
}

/**
 * A run's options. Each one left out takes its value from DEFAULT_TRAIN_OPTIONS (defaults.ts;
 * `lr` from DEFAULT_LR by optimizer, `workers` one per core) and every value must follow its
 * TRAIN_OPTION_RULES entry; {@link TrainConfig} says what each one does.
 */
export interface TrainOptions {
  /** Required, unless `init` names a model: then default the model's head and head config. */
  head?: string;
  /** Head options (e.g. { preset: 'deep' }); inputMode and inputShape come from the input. */
  headConfig?: Record<string, unknown>;
  /** Required: pixels (shape), a feature cache, or random inputs. */
  input: InputSpec;
  /** Required: a triplet dataset folder. */
  triplets: string;
  trainSplit?: SplitName;
  valSplit?: SplitName;
  trainLimit?: number;
  valLimit?: number;
  batchSize?: number;
  epochs?: number;
  steps?: number;
  optimizer?: OptimizerName;
  lr?: number;
  weightDecay?: number;
  /** sgd momentum. */
  momentum?: number;
  nesterov?: boolean;
  /** adam's β1, β2 and ε. */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  schedule?: ScheduleName;
  warmupSteps?: number;
  /** `step` schedule: steps between decays (0 = a third of the run). */
  stepSize?: number;
  /** `step` schedule: the decay factor. */
  gamma?: number;
  /** `cosine` schedule: the final learning rate. */
  minLr?: number;
  loss?: LossName;
  marginOneClass?: number;
  marginOther?: number;
  seed?: number;
  valEvery?: number;
  checkpointEvery?: number;
  patience?: number;
  minDelta?: number;
  workers?: number;
  /**
   * Default none. Mirror (`flip`) and move (`shift`) training images: pixel inputs; feature
   * inputs can flip when the input names a mirrored cache (`input.mirror`).
   */
  augment?: {
    flip?: boolean;
    shift?: number;
    scale?: number;
    brightness?: number;
    contrast?: number;
    blur?: number;
  };
  averageFlip?: boolean;
  /**
   * Default none. A model folder (saveModel) whose weights start the run, e.g. to continue a
   * finished run with a new schedule or data; its head, input shape and backbone must match.
   */
  init?: string;
  /** Default none. A suite file whose mean accuracy chooses the best model (TrainConfig.valSuite). */
  valSuite?: string;
  tailLrScale?: number;
}

/** The options that are not settings of a run (what it trains, on what, from what). */
type NotSettings = 'head' | 'headConfig' | 'input' | 'triplets' | 'init' | 'valSuite';
// Every setting has a rule, and every rule is a setting (the compiler checks both ways: the
// assignment, and indexing it by TrainOptionKey below).
const RULES: Readonly<Record<Exclude<keyof TrainOptions, NotSettings>, TrainOptionRule>> =
  TRAIN_OPTION_RULES;

/** What a value must be, in words (for messages): "a whole number >= 1", "one of adam, sgd". */
export function describeRule(rule: TrainOptionRule): string {
  switch (rule.kind) {
    case 'int':
      return rule.max === undefined
        ? `a whole number >= ${rule.min}`
        : `a whole number from ${rule.min} to ${rule.max}`;
    case 'number':
      return `a number ${rule.above ? '>' : '>='} ${rule.min}${rule.max === undefined ? '' : ` and <= ${rule.max}`}`;
    case 'boolean':
      return 'true or false';
    case 'choice':
      return `one of ${rule.names.join(', ')}`;
    case 'augment':
      return 'an object { flip, shift, scale, brightness, contrast, blur }';
  }
}

/**
 * The one check of a training option's value (TRAIN_OPTION_RULES): what it must be when it is
 * not that, else undefined. `augment` is checked by resolveAugment.
 */
export function trainOptionProblem(key: TrainOptionKey, value: unknown): string | undefined {
  const rule = RULES[key];
  const inRange = (v: number, r: { min: number; max?: number; above?: boolean }) =>
    Number.isFinite(v) && (r.above ? v > r.min : v >= r.min) && v <= (r.max ?? Infinity);
  const fits =
    rule.kind === 'int'
      ? typeof value === 'number' && Number.isInteger(value) && inRange(value, rule)
      : rule.kind === 'number'
        ? typeof value === 'number' && inRange(value, rule)
        : rule.kind === 'boolean'
          ? typeof value === 'boolean'
          : rule.kind === 'choice'
            ? typeof value === 'string' && rule.names.includes(value)
            : true;
  return fits ? undefined : describeRule(rule);
}

/** `value` when it follows the option's rule, else E_BAD_OPTION naming the option key. */
function checked<T>(key: TrainOptionKey, value: T): T {
  const what = trainOptionProblem(key, value);
  if (what !== undefined) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `\`${key}\` must be ${what}, got ${JSON.stringify(value)}`,
      {
        fix: `pass ${what}`,
        option: key,
      },
    );
  }
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

/**
 * A new run's options with what it cannot do without (an input, triplets, a head or a model to
 * start from), checked before anything is opened.
 */
export function requireNewRunOptions(o: Partial<TrainOptions>): TrainOptions {
  if (o.input === undefined) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      'a new run needs an input: face `pixels` of a shape, a `features` cache, or `random` inputs',
      { fix: 'e.g. `pixels` 48x48x1 for FER2013 faces', option: 'input' },
    );
  }
  if (o.triplets === undefined) {
    throw new ExprsimError('E_BAD_OPTION', '`triplets` is required', {
      fix: 'pass a triplet dataset folder (dataset.json, train.jsonl, val.jsonl)',
      option: 'triplets',
    });
  }
  if (o.head === undefined && o.init === undefined) throw headRequired();
  return o as TrainOptions;
}

function headRequired(): ExprsimError {
  return new ExprsimError('E_BAD_OPTION', '`head` is required', {
    fix: 'name a head (e.g. `head` se-densenet), or start from a trained model with `init`',
    option: 'head',
  });
}

/**
 * What a resumed run may change (RESUME_OPTIONS), checked; any other option given is refused,
 * since the run's config.json holds its settings.
 */
export function resumeChanges(
  o: Partial<TrainOptions> | undefined,
): Partial<Pick<TrainConfig, ResumeOptionKey>> {
  const given = Object.entries(o ?? {}).filter(([, v]) => v !== undefined);
  const fixed = given.filter(([k]) => !(RESUME_OPTIONS as readonly string[]).includes(k));
  if (fixed.length > 0) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `\`resume\` takes the run's settings from its config.json; do not pass ${fixed.flatMap(([k, v]) => givenNames(k, v)).join(', ')}`,
      {
        fix: `only ${RESUME_OPTIONS.map((k) => `\`${k}\``).join(', ')} may change on resume`,
        option: fixed[0][0],
      },
    );
  }
  return Object.fromEntries(given.map(([k, v]) => [k, checked(k as ResumeOptionKey, v)]));
}

/** An option as the caller set it: an input by its kind, a preset and augmentation by their own keys. */
function givenNames(key: string, value: unknown): string[] {
  if (key === 'input') return [`an input (\`${(value as InputSpec).kind}\`)`];
  if (key === 'augment') {
    const a = value as Record<string, unknown>;
    return (['flip', 'shift', 'scale', 'brightness', 'contrast', 'blur'] as const)
      .filter((k) => a[k] !== undefined)
      .map((k) => `\`${k}\``);
  }
  if (key === 'headConfig') {
    const { preset, ...rest } = value as Record<string, unknown>;
    return [
      ...(preset !== undefined ? ['`preset`'] : []),
      ...(Object.keys(rest).length > 0 ? ['`headConfig`'] : []),
    ];
  }
  return [`\`${key}\``];
}

/** Validates options and fills in defaults. `inputShape` is the source's (see inputShapeOf). */
export function resolveTrainConfig(o: TrainOptions, inputShape: Shape3): TrainConfig {
  /** An option as given, else its default, checked. */
  const given = <K extends keyof typeof D & keyof TrainOptions & TrainOptionKey>(key: K) =>
    checked(key, o[key] ?? D[key]);
  const optimizer = given('optimizer');
  const seed = given('seed');
  if (o.head === undefined) throw headRequired();
  const def = getHeadDefinition(o.head);
  const headConfig = def.resolve({
    seed,
    ...(o.headConfig ?? {}),
    inputMode: o.input.kind === 'pixels' ? 'pixels' : 'features',
    inputShape,
  } as never);
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
    trainSplit: given('trainSplit'),
    valSplit: given('valSplit'),
    trainLimit: given('trainLimit'),
    valLimit: given('valLimit'),
    batchSize: given('batchSize'),
    epochs: given('epochs'),
    steps: given('steps'),
    optimizer: {
      name: optimizer,
      weightDecay: given('weightDecay'),
      momentum: given('momentum'),
      nesterov: given('nesterov'),
      beta1: given('beta1'),
      beta2: given('beta2'),
      epsilon: given('epsilon'),
    },
    schedule: {
      name: given('schedule'),
      lr: checked('lr', o.lr ?? DEFAULT_LR[optimizer]),
      warmupSteps: given('warmupSteps'),
      stepSize: given('stepSize'),
      gamma: given('gamma'),
      minLr: given('minLr'),
    },
    loss: given('loss'),
    margins: {
      oneClass: given('marginOneClass'),
      other: given('marginOther'),
    },
    seed,
    valEvery: given('valEvery'),
    checkpointEvery: given('checkpointEvery'),
    patience: given('patience'),
    minDelta: given('minDelta'),
    workers: checked('workers', o.workers ?? availableParallelism()),
    ...augmentOption(o),
    ...averageFlipOption(o),
    ...(o.init !== undefined ? { init: { model: resolve(o.init) } } : {}),
    ...(o.valSuite !== undefined ? { valSuite: resolve(o.valSuite) } : {}),
    ...tailLrScaleOption(o, headTailOf(headConfig)),
  };
}

/** `tailLrScale` checked against the run's head tail ('none' without one): a number ≥ 0, with a tail. */
export function tailLrScaleOption(
  o: Pick<TrainOptions, 'tailLrScale'>,
  tail: string,
): { tailLrScale?: number } {
  if (o.tailLrScale === undefined) return {};
  const tailLrScale = checked('tailLrScale', o.tailLrScale);
  if (tail === 'none') {
    throw new ExprsimError('E_BAD_OPTION', '`tailLrScale` needs a head with a tail', {
      input: String(o.tailLrScale),
      fix: 'give the head a tail (`headConfig` {"tail":"faceapi-expression-dense3"} on a dense2 cache), or leave `tailLrScale` out',
      option: 'tailLrScale',
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

// The input's keys are spelled out (`input.mirror`): the flags that build an input differ.
const MIRROR_FIX =
  "extract the mirrored view (`exprsim features` with `--mirror`; in the library, extractFeatures with `mirror`) and pass it as the input's mirrored cache (`input.mirror`)";

/**
 * The augmentation config of a run, only when it changes something: pixel inputs, or flips of
 * feature inputs with a mirrored cache (a cache holds fixed maps, so no shifts).
 */
function augmentOption(o: TrainOptions): { augment?: AugmentConfig } {
  const augment = resolveAugment(o.augment);
  if (!augmentsAnything(augment)) return {};
  if (o.input.kind === 'features') {
    const moves = (['shift', 'scale', 'brightness', 'contrast', 'blur'] as const).find(
      (k) => augment[k] > 0,
    );
    if (moves !== undefined) {
      throw new ExprsimError('E_BAD_OPTION', `augment \`${moves}\` needs pixel inputs`, {
        input: `${moves}=${augment[moves]}`,
        fix: `train on \`pixels\`, or drop \`${moves}\` (a feature cache holds fixed maps)`,
        option: 'augment',
      });
    }
    if (o.input.mirror === undefined) {
      throw new ExprsimError(
        'E_BAD_OPTION',
        'augment `flip` on feature inputs needs their mirrored view',
        { input: o.input.cache, fix: MIRROR_FIX, option: 'augment' },
      );
    }
  } else if (o.input.kind !== 'pixels') {
    throw new ExprsimError('E_BAD_OPTION', 'augmentation (`flip`, `shift`) needs pixel inputs', {
      input: `input ${o.input.kind}`,
      fix: 'train on `pixels` or a feature cache, or drop `flip` and `shift`',
      option: 'augment',
    });
  }
  return { augment };
}

/** Flip averaging, when asked for: needs mirrored inputs (pixels, or a mirrored cache). */
function averageFlipOption(o: TrainOptions): { averageFlip?: boolean } {
  if (!checked('averageFlip', o.averageFlip ?? D.averageFlip)) return {};
  if (o.input.kind === 'features' && o.input.mirror === undefined) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      '`averageFlip` on feature inputs needs their mirrored view',
      { input: o.input.cache, fix: MIRROR_FIX, option: 'averageFlip' },
    );
  }
  if (o.input.kind === 'random') {
    throw new ExprsimError('E_BAD_OPTION', '`averageFlip` needs pixel or feature inputs', {
      input: 'input random',
      option: 'averageFlip',
    });
  }
  return { averageFlip: true };
}
