import { isExprsimError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import type { Shape3 } from '../core/types.js';
import type { ResizeKernel } from '../image/types.js';
import type { ProgressCallback } from '../core/progress.js';
import {
  backboneOutputEmbedder,
  classifierOutputEmbedder,
  rawPixelEmbedder,
  untrainedHeadEmbedder,
  type Embedder,
} from '../embed/embedders.js';
import {
  evaluateEmbedder,
  loadEvalData,
  type EvalData,
  type EvalDataOptions,
  type EvalResult,
  type EvaluateOptions,
} from './evaluate.js';
import {
  BASELINE_NAMES,
  checkBaselineResize,
  resolveBaselineNames,
  type BaselineName,
} from './baseline-names.js';
import { DEFAULT_BASELINE_OPTIONS as D } from './defaults.js';

export { BASELINE_NAMES, type BaselineName };

/** Defaults: DEFAULT_BASELINE_OPTIONS (defaults.ts). */
export interface BaselineOptions extends EvaluateOptions {
  /** Which baselines; default all. */
  only?: readonly BaselineName[];
  /** Pixel input of raw pixels and the untrained head. */
  pixels?: Shape3;
  /** Untrained head. */
  head?: string;
  /** Default { preset: DEFAULT_BASELINE_OPTIONS.preset }. */
  headConfig?: Record<string, unknown>;
  /**
   * Resampling kernel of the pixel baselines and face-api's outputs (exprsim's preprocessing's
   * by default; face-api.js itself resizes bilinearly: 'linear'). Human resizes for itself.
   */
  resize?: ResizeKernel;
  /** Called as each baseline finishes. */
  onResult?: (r: EvalResult) => void;
  onBaseline?: ProgressCallback;
}

export interface BaselineFailure {
  baseline: BaselineName;
  error: string;
}

async function make(name: BaselineName, o: BaselineOptions): Promise<Embedder> {
  const pixels = o.pixels ?? ([...D.pixels] as Shape3);
  switch (name) {
    case 'raw-pixels':
      return rawPixelEmbedder(pixels, o.resize);
    case 'untrained-head':
      return untrainedHeadEmbedder(
        o.head ?? D.head,
        o.headConfig ?? { preset: D.preset },
        pixels,
        o.resize,
      );
    case 'faceapi-recognition':
    case 'faceapi-expression':
      return backboneOutputEmbedder(name, o.resize);
    case 'human-emotion':
      return classifierOutputEmbedder(name);
  }
}

/** Scores the baselines on `data`; a baseline that cannot run is reported, not fatal. */
export async function runBaselines(
  data: EvalData,
  options: BaselineOptions = {},
): Promise<{ results: EvalResult[]; failed: BaselineFailure[] }> {
  const results: EvalResult[] = [];
  const failed: BaselineFailure[] = [];
  const names = options.only ?? BASELINE_NAMES;
  for (const [i, name] of names.entries()) {
    options.onBaseline?.({ done: i, total: names.length, label: name });
    let embedder: Embedder | undefined;
    try {
      embedder = await make(name, options);
      const r = await evaluateEmbedder(embedder, data, options);
      results.push(r);
      options.onResult?.(r);
    } catch (e) {
      // An exprsim error's one line names the file or option and the fix (a missing weight file).
      const error = isExprsimError(e) ? e.toLine() : (e as Error).message.split('\n')[0];
      logger.warn(`baseline ${name} failed: ${error}`);
      failed.push({ baseline: name, error });
    } finally {
      embedder?.dispose();
    }
  }
  return { results, failed };
}

/** `exprsim baselines`: a triplet split, and which baselines to score on it how. */
export interface EvaluateBaselinesOptions
  extends EvalDataOptions, Omit<BaselineOptions, 'only' | 'headConfig'> {
  /** The triplet dataset folder. */
  triplets: string;
  /** Baseline names, or ['all'] (default all); checked. */
  only?: readonly string[];
  /** The untrained head's preset. */
  preset?: string;
}

/** Loads the split (loadEvalData) and scores the baselines on it (runBaselines). */
export async function evaluateBaselines(
  options: EvaluateBaselinesOptions,
): Promise<{ results: EvalResult[]; failed: BaselineFailure[] }> {
  const { triplets, only, preset, split, limit, labels, noRetrieval, ...rest } = options;
  const names = resolveBaselineNames(only, 'only');
  checkBaselineResize(rest.resize, 'resize');
  const data = await loadEvalData(triplets, { split, limit, labels, noRetrieval });
  return runBaselines(data, {
    ...rest,
    only: names,
    headConfig: { preset: preset ?? D.preset },
  });
}
