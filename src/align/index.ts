/**
 * Face preprocessing for the embedding models: crop with margin, five-point similarity alignment,
 * masking of non-face pixels, grey or RGB, all recorded in one serialisable PreprocessConfig.
 */
export {
  FACE_TEMPLATE,
  maskOutside,
  preprocessFace,
  resolvePreprocessConfig,
  type AlignMode,
  type MaskMode,
  type PreprocessConfig,
  type PreprocessedFace,
  type ResolvedPreprocessConfig,
} from './preprocess.js';
export {
  applySimilarity,
  fitSimilarity,
  invertSimilarity,
  similarityScale,
  type Similarity,
} from './similarity.js';
export { warpSimilarity } from './warp.js';
