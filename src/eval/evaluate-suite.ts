/**
 * `exprsim eval --suite`: one model scored on every set of a suite (suite.ts), each with its
 * 95% interval, and the mean over the sets, the figure models are chosen on (issue 21). With
 * `versus`, the baselines are scored on the same triplets and the model's paired margin over
 * each is given per set; on photo sets each baseline gets its best framing of the detector's
 * box among `baselineMargins` (chosen on the set itself, which can only flatter the baseline).
 */
import { ExprsimError } from '../core/errors.js';
import type { ProgressCallback } from '../core/progress.js';
import type { ResizeKernel } from '../image/types.js';
import type { FecTripletType } from '../data/fec-row.js';
import type { DetectorName } from '../core/face.js';
import type { BootstrapOptions, TripletAccuracy } from '../embed/triplet-accuracy.js';
import { checkBaselineResize, resolveBaselineNames } from './baseline-names.js';
import type { BaselineFailure, BaselineOptions } from './baselines.js';
import { evaluateEmbedder } from './evaluate.js';
import { withBoxCrops } from './photo-set.js';
import { readSuite, type SuiteSet } from './suite.js';
import { prepareSet, setEmbedder } from './suite-validator.js';
import { scoreMarginsOverBaselines, type BaselineMargin } from './versus.js';
import { DEFAULT_SUITE_OPTIONS } from './defaults.js';
import {
  evaluateModel,
  type EvaluateModelOptions,
  type ModelEvaluation,
} from './evaluate-model.js';

export interface EvaluateSuiteOptions {
  /** A model folder. */
  model: string;
  /** A suite file (JSON or YAML). */
  suite: string;
  /** Baselines to score on the same triplets (names, or ['all']). */
  versus?: readonly string[];
  versusResize?: ResizeKernel;
  /** Margins around the detector's box tried for each baseline on photo sets. */
  baselineMargins?: readonly number[];
  bootstrap?: BootstrapOptions;
  onProgress?: ProgressCallback;
}

export interface SuiteBaselineMargin extends BaselineMargin {
  /** On photo sets: the margin around the detector's box that scored best for the baseline. */
  boxMargin?: number;
}

export interface SuiteSetResult {
  name: string;
  triplets: string;
  split: string;
  types?: FecTripletType[];
  detect?: DetectorName;
  /** Triplets scored (after the type filter and, on photo sets, those with every face found). */
  scored: number;
  /** On photo sets: triplets left out because an image had no face, and those images. */
  noFaceTriplets?: number;
  noFaceImages?: number;
  images: number;
  tripletAccuracy: TripletAccuracy;
  versus?: { margins: SuiteBaselineMargin[]; failed: BaselineFailure[] };
}

export interface SuiteEvaluation {
  suite: string;
  file: string;
  model: string;
  sets: SuiteSetResult[];
  /** The mean of the sets' accuracies (each set weighs the same). */
  meanAccuracy: number;
  /** Per baseline: its mean accuracy and the mean of the model's margins, over the sets it ran on. */
  meanVersus?: { baseline: string; accuracy: number; margin: number; sets: number }[];
  seconds: number;
}

/** Keeps, per baseline, the run with the best accuracy (the baseline's best framing). */
function keepBest(best: Map<string, SuiteBaselineMargin>, m: SuiteBaselineMargin) {
  const prev = best.get(m.baseline);
  if (prev === undefined || m.accuracy > prev.accuracy) best.set(m.baseline, m);
}

async function scoreSet(
  set: SuiteSet,
  o: EvaluateSuiteOptions,
  versus: readonly string[] | undefined,
): Promise<SuiteSetResult> {
  const prepared = await prepareSet(set, o.onProgress);
  const { data, faces, before } = prepared;
  const embedder = await setEmbedder(prepared, o.model);
  let scores: Float64Array = new Float64Array(0);
  let result;
  try {
    result = await evaluateEmbedder(embedder, data, {
      bootstrap: o.bootstrap,
      onProgress: o.onProgress,
      onScores: (s) => (scores = s),
    });
  } finally {
    embedder.dispose();
  }
  const out: SuiteSetResult = {
    name: set.name,
    triplets: set.triplets,
    split: set.split,
    ...(set.types === undefined ? {} : { types: set.types }),
    ...(set.detect === undefined ? {} : { detect: set.detect }),
    scored: data.rows.length,
    images: result.images,
    tripletAccuracy: result.tripletAccuracy,
  };
  if (faces !== undefined) {
    out.noFaceTriplets = before - data.rows.length;
    out.noFaceImages = faces.noFace.length;
  }
  if (versus === undefined) return out;
  const only = versus as BaselineOptions['only'];
  const base = { only, resize: o.versusResize, bootstrap: o.bootstrap, onProgress: o.onProgress };
  if (faces === undefined) {
    out.versus = await scoreMarginsOverBaselines(scores, data, base);
    return out;
  }
  const best = new Map<string, SuiteBaselineMargin>();
  const failed = new Map<string, BaselineFailure>();
  for (const margin of o.baselineMargins ?? DEFAULT_SUITE_OPTIONS.baselineMargins) {
    const crops = await withBoxCrops(data, faces, margin);
    try {
      const r = await scoreMarginsOverBaselines(scores, crops.data, base);
      for (const m of r.margins) keepBest(best, { ...m, boxMargin: margin });
      for (const f of r.failed) failed.set(f.baseline, f);
    } finally {
      await crops.cleanup();
    }
  }
  out.versus = {
    margins: [...best.values()],
    failed: [...failed.values()].filter((f) => !best.has(f.baseline)),
  };
  return out;
}

function meanVersusOf(sets: readonly SuiteSetResult[]): SuiteEvaluation['meanVersus'] {
  const by = new Map<string, { acc: number[]; margin: number[] }>();
  for (const s of sets) {
    for (const m of s.versus?.margins ?? []) {
      const e = by.get(m.baseline) ?? { acc: [], margin: [] };
      e.acc.push(m.accuracy);
      e.margin.push(m.margin.difference);
      by.set(m.baseline, e);
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [...by].map(([baseline, e]) => ({
    baseline,
    accuracy: mean(e.acc),
    margin: mean(e.margin),
    sets: e.acc.length,
  }));
}

/** Scores a model on every set of a suite file, and their mean. */
export async function evaluateSuite(options: EvaluateSuiteOptions): Promise<SuiteEvaluation> {
  const started = performance.now();
  const versus = resolveBaselineNames(options.versus, 'versus');
  checkBaselineResize(options.versusResize, 'versusResize');
  const suite = await readSuite(options.suite);
  const sets: SuiteSetResult[] = [];
  for (const set of suite.sets) sets.push(await scoreSet(set, options, versus));
  const meanAccuracy =
    sets.reduce((a, s) => a + s.tripletAccuracy.accuracy, 0) / Math.max(1, sets.length);
  return {
    suite: suite.name,
    file: suite.file,
    model: options.model,
    sets,
    meanAccuracy,
    ...(versus === undefined ? {} : { meanVersus: meanVersusOf(sets) }),
    seconds: (performance.now() - started) / 1000,
  };
}

/** `exprsim eval`'s options: one triplet split (EvaluateModelOptions) or a `suite`. */
export type EvalCommandOptions = Omit<EvaluateModelOptions, 'triplets'> & {
  triplets?: string;
  suite?: string;
  baselineMargins?: readonly number[];
};

export type EvalCommandResult =
  ({ kind: 'split' } & ModelEvaluation) | ({ kind: 'suite' } & SuiteEvaluation);

/** Options that score one split only; a suite gives each set's own. */
const SPLIT_ONLY = [
  'split',
  'limit',
  'labels',
  'features',
  'mirrorFeatures',
  'averageFlip',
  'calibrationOut',
] as const;

/** `exprsim eval`: a model on one triplet split (evaluateModel) or on a suite (evaluateSuite). */
export async function evaluateCommand(options: EvalCommandOptions): Promise<EvalCommandResult> {
  const { suite, triplets, baselineMargins, ...rest } = options;
  if (suite === undefined) {
    if (baselineMargins !== undefined) {
      throw new ExprsimError('E_BAD_OPTION', '`baselineMargins` goes with `suite`', {
        fix: 'pass a suite file as `suite`, or leave the margins out',
        option: 'baselineMargins',
      });
    }
    if (triplets === undefined) {
      throw new ExprsimError('E_BAD_OPTION', 'no triplets to score', {
        fix: 'pass a triplet dataset folder as `triplets`, or a suite file as `suite`',
        option: 'triplets',
      });
    }
    return { kind: 'split', ...(await evaluateModel({ ...rest, triplets })) };
  }
  if (triplets !== undefined) {
    throw new ExprsimError('E_BAD_OPTION', '`triplets` and `suite` both given', {
      fix: 'score one split with `triplets`, or the sets of a suite with `suite`',
      option: 'suite',
    });
  }
  const extra = SPLIT_ONLY.filter((k) => rest[k] !== undefined && rest[k] !== false);
  if (extra.length > 0) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `\`${extra[0]}\` scores one split; a suite names its own sets`,
      {
        fix: `leave \`${extra[0]}\` out with \`suite\` (set a set's split, types and limit in the suite file)`,
        option: extra[0],
      },
    );
  }
  const margins = baselineMargins?.map((m) => {
    if (!(Number.isFinite(m) && m >= 0 && m <= 1)) {
      throw new ExprsimError(
        'E_BAD_OPTION',
        `\`baselineMargins\` must be numbers from 0 to 1, got ${m}`,
        {
          input: String(m),
          option: 'baselineMargins',
        },
      );
    }
    return m;
  });
  return {
    kind: 'suite',
    ...(await evaluateSuite({
      model: rest.model,
      suite,
      versus: rest.versus,
      versusResize: rest.versusResize,
      baselineMargins: margins,
      bootstrap: rest.bootstrap,
      onProgress: rest.onProgress,
    })),
  };
}
