import { ExprsimError } from '../core/errors.js';
import type { ProgressCallback } from '../core/progress.js';
import type { ResizeKernel } from '../image/types.js';
import { openModelEmbedder } from '../embed/embedders.js';
import type { BootstrapOptions } from '../embed/triplet-accuracy.js';
import { checkBaselineResize, resolveBaselineNames } from './baseline-names.js';
import type { BaselineFailure } from './baselines.js';
import { writeCalibrationFile } from './calibration.js';
import {
  evaluateEmbedder,
  loadEvalData,
  type EvalDataOptions,
  type EvalResult,
} from './evaluate.js';
import type { RetrievalOptions } from './retrieval.js';
import { scoreMarginsOverBaselines, type BaselineMargin } from './versus.js';

/** `exprsim eval`: a model, the split to score it on, and what else to work out. */
export interface EvaluateModelOptions extends EvalDataOptions {
  /** A model folder (model.json with an exprsim manifest). */
  model: string;
  /** The triplet dataset folder. */
  triplets: string;
  /** A feature cache of the model's backbone (else the backbone runs on the images). */
  features?: string;
  /** Its mirrored view, for models that average flips. */
  mirrorFeatures?: string;
  /** Flip-average the embeddings even if the model does not (to score the option). */
  averageFlip?: boolean;
  bootstrap?: BootstrapOptions;
  retrieval?: RetrievalOptions;
  /** Write the split's random-pair distance quantiles here (a model's calibration.json). */
  calibrationOut?: string;
  /**
   * Also score these baselines (names, or ['all']) on the same triplets, and the model's margin
   * over each with a paired bootstrap interval.
   */
  versus?: readonly string[];
  /** The `versus` baselines' resampling (as runBaselines' `resize`). */
  versusResize?: ResizeKernel;
  onProgress?: ProgressCallback;
}

/** The model's evaluation and, with `versus`, its margins over the baselines. */
export type ModelEvaluation = EvalResult & {
  versus?: { margins: BaselineMargin[]; failed: BaselineFailure[] };
};

/**
 * Scores a model folder on a triplet split (evaluateEmbedder): with `calibrationOut`, writes
 * its calibration file; with `versus`, scores those baselines on the same triplets after
 * freeing the model.
 */
export async function evaluateModel(options: EvaluateModelOptions): Promise<ModelEvaluation> {
  const versus = resolveBaselineNames(options.versus, 'versus');
  const versusResize = checkBaselineResize(options.versusResize, 'versusResize');
  if (versusResize !== undefined && versus === undefined) {
    throw new ExprsimError('E_BAD_OPTION', '`versusResize` needs `versus`', {
      input: versusResize,
      fix: 'name the baselines to compare with in `versus`, e.g. all',
      option: 'versusResize',
    });
  }
  const { split, limit, labels, noRetrieval } = options;
  const data = await loadEvalData(options.triplets, { split, limit, labels, noRetrieval });
  const embedder = await openModelEmbedder(options.model, {
    features: options.features,
    mirrorFeatures: options.mirrorFeatures,
    averageFlip: options.averageFlip === true,
  });
  let result: EvalResult;
  let scores: Float64Array = new Float64Array(0);
  try {
    result = await evaluateEmbedder(embedder, data, {
      bootstrap: options.bootstrap,
      retrieval: options.retrieval,
      calibration: options.calibrationOut === undefined ? undefined : {},
      onProgress: options.onProgress,
      onScores: (s) => (scores = s),
    });
  } finally {
    // The model is done: freed before the baselines load theirs.
    embedder.dispose();
  }
  let margins: ModelEvaluation['versus'];
  if (versus !== undefined) {
    // Margins need only the triplets, so the baselines skip retrieval.
    margins = await scoreMarginsOverBaselines(
      scores,
      { ...data, labelled: undefined, labelledSkipped: 'margins need only the triplets' },
      {
        only: versus,
        resize: versusResize,
        bootstrap: options.bootstrap,
        onProgress: options.onProgress,
      },
    );
  }
  const r = result;
  if (options.calibrationOut !== undefined && r.randomPairDistances !== undefined) {
    await writeCalibrationFile(options.calibrationOut, {
      ...r,
      randomPairDistances: r.randomPairDistances,
    });
  }
  return margins === undefined ? result : { ...result, versus: margins };
}
