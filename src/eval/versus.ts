import { runBaselines, type BaselineFailure, type BaselineOptions } from './baselines.js';
import type { EvalData } from './evaluate.js';
import { pairedDifference, type PairedDifference } from '../embed/triplet-accuracy.js';

/** A model's lead over one baseline on the same triplets. */
export interface BaselineMargin {
  baseline: string;
  /** The baseline's triplet accuracy. */
  accuracy: number;
  /** Model accuracy − baseline accuracy, with its paired bootstrap interval. */
  margin: PairedDifference;
}

/**
 * Scores the baselines on `data` (runBaselines) and each one's margin to a model whose
 * per-triplet scores on the same rows are `modelScores` (evaluateEmbedder's onScores). The
 * issue's target, "beats every baseline by ≥ 5 points", is read off these intervals.
 */
export async function scoreMarginsOverBaselines(
  modelScores: Float64Array,
  data: EvalData,
  options: BaselineOptions = {},
): Promise<{ margins: BaselineMargin[]; failed: BaselineFailure[] }> {
  let last: Float64Array | undefined;
  const margins: BaselineMargin[] = [];
  const { failed } = await runBaselines(data, {
    ...options,
    onScores: (s) => {
      last = s;
      options.onScores?.(s);
    },
    onResult: (r) => {
      options.onResult?.(r);
      if (last === undefined) return;
      margins.push({
        baseline: r.embedder,
        accuracy: r.tripletAccuracy.accuracy,
        margin: pairedDifference(modelScores, last, r.tripletAccuracy.bootstrap),
      });
      last = undefined;
    },
  });
  return { margins, failed };
}
