/**
 * What a run validates on beyond its own val split (issue 21: checkpoints are chosen on the mean
 * over several domains, never on one set). Train only calls it; eval's openSuiteValidator
 * (suite-validator.ts) is the one that reads suites, finds photo faces and scores.
 */
import type { ProgressCallback } from '../core/progress.js';

export interface SuiteScore {
  /** The mean of the sets' accuracies (each set weighs the same). */
  mean: number;
  sets: { name: string; accuracy: number; triplets: number }[];
}

/** Scores a candidate model, saved as a model folder, on a fixed suite of triplet sets. */
export interface ModelValidator {
  readonly name: string;
  /** The suite file, for the run's provenance. */
  readonly file: string;
  score(modelDir: string, onProgress?: ProgressCallback): Promise<SuiteScore>;
}

/** Opens the validator of a run's `valSuite` file (train is given it: eval is above train). */
export type OpenValidator = (
  file: string,
  onProgress?: ProgressCallback,
) => Promise<ModelValidator>;
