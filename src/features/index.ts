/**
 * Frozen face backbones and their feature cache: `createBackbone(name)` (face-api's identity
 * ResNet and expression net, weights in models/), `createClassifier(name)` (Human's emotion net,
 * used as it is for a baseline), `extractFeatures` / `openFeatureCache` (sharded
 * float16 maps, resumable, checked on load), and embedding with a trained head (`embedFaces`,
 * `createEmbedder`, `embedFiles`). See README.md here.
 */
export type {
  Backbone,
  BackboneConfig,
  BackboneForward,
  BackboneName,
  BackboneOutputKind,
  ClassifierConfig,
  ClassifierName,
  ExpressionClassifier,
} from './types.js';
export {
  BACKBONE_NAMES,
  backboneFromRef,
  createBackbone,
  isBackboneName,
  layerOfVersion,
} from './registry.js';
export {
  RECOGNITION_LAYERS,
  RECOGNITION_MEAN_RGB,
  type RecognitionLayer,
} from './faceapi-recognition.js';
export {
  EXPRESSION_LABELS,
  EXPRESSION_LAYERS,
  EXPRESSION_MEAN_RGB,
  type ExpressionLayer,
} from './faceapi-expression.js';
export { CLASSIFIER_NAMES, createClassifier, isClassifierName } from './classifiers.js';
export {
  HUMAN_EMOTION_LABELS,
  HUMAN_EMOTION_MODEL_LABELS,
  HUMAN_EMOTION_SIZE,
  HUMAN_GREY_WEIGHTS,
  HumanEmotionClassifier,
  humanEmotionInput,
} from './human-emotion.js';
export {
  PREPROCESS_FORMAT,
  canonicalJson,
  detectorCropBox,
  parsePreprocess,
  prepareFace,
  readForPreprocess,
  wholeImagePreprocess,
  type FeaturePreprocess,
} from './preprocess.js';
// The shared face-api weights-manifest loader, under the name this module has always exported.
export {
  loadWeightsManifest as loadWeightsFromDisk,
  type LoadedWeights,
} from '../engine/weights-manifest.js';
export {
  float16BytesToFloat32,
  float16ToFloat32,
  float32ToFloat16,
  float32ToFloat16Bytes,
  fromFloat16Bits,
  toFloat16Bits,
} from './float16.js';
export { resolveFeatureDataset, type FeatureDataset, type FeatureItem } from './dataset.js';
export {
  CACHE_FORMAT,
  CACHE_FORMAT_VERSION,
  CACHE_MANIFEST,
  DEFAULT_FEATURE_BATCH,
  DEFAULT_SHARD_SIZE,
  cacheKey,
  extractBatch,
  extractFeatures,
  openFeatureCache,
  type ExtractFeaturesOptions,
  type ExtractFeaturesResult,
  type FeatureCache,
  type FeatureCacheManifest,
  type OpenFeatureCacheOptions,
  type ShardIndex,
} from './cache.js';
export { decodeNpyFloat32, encodeNpyFloat32 } from './npy.js';
export {
  extractDatasetFeatures,
  type ExtractDatasetFeaturesOptions,
  type ExtractDatasetFeaturesResult,
} from './extract-dataset.js';
export { DEFAULT_FEATURES } from './defaults.js';
export { featuresSummaryJson, formatFeaturesSummary } from './format.js';
