// The feature and embedding defaults, without TensorFlow.js (the CLI's help shows them);
// cache.ts and embed.ts re-export them.
import { DEFAULT_PREPROCESS } from '../align/defaults.js';

/** Faces per shard by default: 1024 (8 MiB per shard for a 4x4x256 map). */
export const DEFAULT_SHARD_SIZE = 1024;
/** Faces per forward pass by default. */
export const DEFAULT_FEATURE_BATCH = 32;
/** Faces per forward pass of embedding; passed to predict explicitly (tfjs would split at 32). */
export const DEFAULT_EMBED_BATCH = 32;
/** Margin around a detected face box when the model's record does not give one (as FEC crops). */
export const DEFAULT_DETECT_MARGIN = DEFAULT_PREPROCESS.margin;

/** What `extractFeatures` (and `exprsim features`) use when an option is left out. */
export const DEFAULT_FEATURES = Object.freeze({
  /** Faces per shard. */
  shardSize: DEFAULT_SHARD_SIZE,
  /** Faces per forward pass. */
  batchSize: DEFAULT_FEATURE_BATCH,
  /** Faces are not mirrored. */
  mirror: false,
});

// The backbone names, for the CLI's help (the registry loads a backbone only when one is made).
export { BACKBONE_NAMES } from './registry.js';
