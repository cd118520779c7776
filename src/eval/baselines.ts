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
  type EvalData,
  type EvalResult,
  type EvaluateOptions,
} from './evaluate.js';
import { BASELINE_NAMES, type BaselineName } from './baseline-names.js';

export { BASELINE_NAMES, type BaselineName };

export interface BaselineOptions extends EvaluateOptions {
  /** Which baselines; default all. */
  only?: readonly BaselineName[];
  /** Pixel input of raw pixels and the untrained head; default [48, 48, 1] (FER2013). */
  pixels?: Shape3;
  /** Untrained head; default se-densenet. */
  head?: string;
  /** Default { preset: 'shallow' }. */
  headConfig?: Record<string, unknown>;
  /**
   * Resampling kernel of the pixel baselines and face-api's outputs (default lanczos3, exprsim's
   * preprocessing; face-api.js itself resizes bilinearly: 'linear'). Human resizes for itself.
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
  const pixels = o.pixels ?? [48, 48, 1];
  switch (name) {
    case 'raw-pixels':
      return rawPixelEmbedder(pixels, o.resize);
    case 'untrained-head':
      return untrainedHeadEmbedder(
        o.head ?? 'se-densenet',
        o.headConfig ?? { preset: 'shallow' },
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
