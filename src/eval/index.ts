/**
 * Evaluation: triplet prediction accuracy with bootstrap intervals, retrieval metrics for
 * labelled sets, embedders (models, baselines) scored the same way.
 */
export {
  accuracyByType,
  bootstrapInterval,
  meanTripletLoss,
  pairedDifference,
  quantile,
  squaredDistance,
  summariseAccuracy,
  tripletDistancesOf,
  tripletScore,
  tripletScores,
  type AccuracyWithInterval,
  type BootstrapOptions,
  type PairedDifference,
  type TripletAccuracy,
  type TripletDistances,
  type TripletIndex,
} from './triplet-accuracy.js';
export { indexTriplets, type IndexedTriplets } from './triplet-index.js';
export {
  pairwiseSquaredDistances,
  retrievalMetrics,
  type RetrievalMetrics,
  type RetrievalOptions,
} from './retrieval.js';
export {
  backboneOutputEmbedder,
  classifierOutputEmbedder,
  modelEmbedder,
  openModelEmbedder,
  rawPixelEmbedder,
  sourceEmbedder,
  untrainedHeadEmbedder,
  type Embedder,
} from './embedders.js';
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
