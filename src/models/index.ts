export { createReferenceHead, type ReferenceHeadConfig } from './reference-head.js';
export { L2Normalize } from './layers/l2-normalize.js';
export { batchNorm, type BatchNormConfig } from './layers/batch-norm.js';
export {
  createHead,
  resolveHeadConfig,
  getHeadDefinition,
  getHeadInfo,
  listHeads,
  isHeadName,
  HEAD_NAMES,
  type HeadConfig,
  type HeadConfigs,
  type HeadDefinition,
  type HeadInfo,
  type HeadName,
  type ResolvedHeadConfig,
  type ResolvedHeadConfigs,
} from './heads/registry.js';
export {
  DEFAULT_FEATURE_SHAPE,
  DEFAULT_PIXEL_SHAPE,
  INPUT_MODES,
  type CommonHeadConfig,
  type InputMode,
  type ResolvedCommonConfig,
} from './heads/common.js';
export type { JsonObject, JsonValue, Shape3 } from '../core/types.js';
export {
  FECNET_PRESET_NAMES,
  type FecNetConfig,
  type FecNetPreset,
  type ResolvedFecNetConfig,
} from './heads/fecnet.js';
export {
  DENSENET_PRESETS,
  DENSENET_PRESET_NAMES,
  layersPerBlockForDepth,
  type DenseNetBaseConfig,
  type DenseNetConfig,
  type DenseNetPreset,
  type ResolvedDenseNetBaseConfig,
  type ResolvedDenseNetConfig,
} from './heads/densenet.js';
export type {
  AttentionDenseNetConfig,
  ResolvedAttentionDenseNetConfig,
} from './heads/attention-densenet.js';
export type { LessDenseNetConfig, ResolvedLessDenseNetConfig } from './heads/less-densenet.js';
export type { SeDenseNetConfig, ResolvedSeDenseNetConfig } from './heads/se-densenet.js';
export type { SkipDenseNetConfig, ResolvedSkipDenseNetConfig } from './heads/skip-densenet.js';
export { countFlops, countParams, type FlopCount, type LayerFlops } from './flops.js';
export {
  saveModel,
  loadModel,
  readModelManifest,
  writeModelPreprocess,
  validateManifest,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  MANIFEST_KEY,
  type LoadedModel,
  type ModelManifest,
  type ModelManifestInput,
} from './artifact.js';
export { type BackboneRef } from '../core/types.js';
export { summariseHeads, type HeadSummary, type HeadSummaryOptions } from './summary.js';
export { resolveModelPath } from './default-model.js';
export {
  FLOAT16_MAX,
  isFloat16Entry,
  writeFloat16Model,
  type Float16ModelResult,
} from './float16.js';
export { averageUnitRows, averageUnitTensors } from './flip-average.js';
export { formatHeadSummaries, headSummariesJson } from './format.js';
