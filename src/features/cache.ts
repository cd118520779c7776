// The feature cache, by job: its format (./cache-format.ts), extraction (./extract-features.ts)
// and reading (./open-cache.ts). Importers of './cache.js' keep working.
export {
  CACHE_FORMAT,
  CACHE_FORMAT_VERSION,
  CACHE_MANIFEST,
  cacheKey,
  type FeatureCacheManifest,
  type ShardIndex,
} from './cache-format.js';
export {
  extractBatch,
  extractFeatures,
  type ExtractFeaturesOptions,
  type ExtractFeaturesResult,
} from './extract-features.js';
export { openFeatureCache, type FeatureCache, type OpenFeatureCacheOptions } from './open-cache.js';
export { DEFAULT_FEATURE_BATCH, DEFAULT_SHARD_SIZE } from './defaults.js';
