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
