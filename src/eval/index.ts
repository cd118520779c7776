/**
 * Evaluation: triplet prediction accuracy with bootstrap intervals, retrieval metrics for
 * labelled sets, embedders (models, baselines) scored the same way.
 */
export {
  pairwiseSquaredDistances,
  retrievalMetrics,
  type RetrievalMetrics,
  type RetrievalOptions,
} from './retrieval.js';
export {
  evaluateEmbedder,
  loadEvalData,
  type EvalData,
  type EvalDataOptions,
  type EvalEmbeddings,
  type EvalResult,
  type EvaluateOptions,
} from './evaluate.js';
export {
  BASELINE_NAMES,
  runBaselines,
  type BaselineFailure,
  type BaselineName,
  type BaselineOptions,
} from './baselines.js';
export { formatEvalTable, formatMargins } from './format.js';
export { scoreMarginsOverBaselines, type BaselineMargin } from './versus.js';
export {
  quantileSorted,
  randomPairDistanceQuantiles,
  similarityPercentile,
  type CalibrationOptions,
} from './calibration.js';
export { evaluateBaselines, type EvaluateBaselinesOptions } from './baselines.js';
export {
  evaluateModel,
  type EvaluateModelOptions,
  type ModelEvaluation,
} from './evaluate-model.js';
export { calibrationFileOf, writeCalibrationFile, type CalibrationFile } from './calibration.js';
export { resolveBaselineNames, checkBaselineResize } from './baseline-names.js';
export {
  DEFAULT_BASELINE_OPTIONS,
  DEFAULT_CALIBRATION,
  DEFAULT_EVAL_OPTIONS,
  DEFAULT_SUITE_OPTIONS,
} from './defaults.js';
// The shapes `evaluateBaselines` takes as `pixels`, parsed from text (as train's entry has it).
export { parseShape3 } from '../models/heads/options.js';
export {
  formatBaselineResults,
  formatEvalCommand,
  formatModelEvaluation,
  formatSuiteEvaluation,
} from './format.js';
export {
  evaluateCommand,
  evaluateSuite,
  type EvalCommandOptions,
  type EvalCommandResult,
  type EvaluateSuiteOptions,
  type SuiteEvaluation,
  type SuiteSetResult,
} from './evaluate-suite.js';
export { parseSuite, readSuite, type EvalSuite, type SuiteSet } from './suite.js';
export { openSuiteValidator, prepareSet, type PreparedSet } from './suite-validator.js';
