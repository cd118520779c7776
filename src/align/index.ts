/**
 * Face preprocessing for the embedding models: crop with margin, five-point similarity alignment,
 * masking of non-face pixels, grey or RGB, resize. A user `PreprocessConfig` resolves once into
 * the `PreprocessRecord` that feature caches and models store and that `preprocessFace` follows.
 */
export {
  DEFAULT_DETECTOR,
  DEFAULT_MARGIN,
  FACE_TEMPLATE,
  maskOutside,
  preprocessFace,
  resolvePreprocessConfig,
  type PreprocessConfig,
  type PreprocessedFace,
  type PreprocessFaceInput,
  type PreprocessFaceOptions,
  type ResolvedPreprocessConfig,
} from './preprocess.js';
export { cropDetectedFace, type DetectorCropResult } from './detect-crop.js';
export {
  ALIGN_MODES,
  MASK_MODES,
  NO_FACE_MODES,
  PREPROCESS_FORMAT,
  PREPROCESS_VERSION,
  canonicalJson,
  detectorCropBox,
  isPreprocessRecord,
  parsePreprocessRecord,
  preprocessDifferences,
  preprocessKey,
  samePreprocess,
  wholeImagePreprocess,
  type AlignMode,
  type CropSource,
  type MaskMode,
  type NoFaceMode,
  type PreprocessRecord,
  type ResizeFit,
} from './record.js';
export {
  applySimilarity,
  fitSimilarity,
  invertSimilarity,
  similarityScale,
  type Similarity,
} from './similarity.js';
export { warpSimilarity } from './warp.js';
export {
  boxIoU,
  fitFraming,
  framedBox,
  sampleFraming,
  type Framing,
  type FramingFit,
  type FramingSample,
} from './framing.js';
export {
  DEFAULT_PASTE,
  measureFraming,
  pasteFace,
  type MeasureFramingResult,
  type PasteOptions,
  type PastedFace,
} from './measure-framing.js';
export {
  describePreprocess,
  toPreprocessConfig,
  type PreprocessOptions,
} from './preprocess-options.js';
export { DEFAULT_PREPROCESS, RESIZE_FITS, RESIZE_KERNELS } from './defaults.js';
