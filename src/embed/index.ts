/**
 * Inference: everything between a trained model and its vectors. Input sources (pixels, feature
 * caches), the one batched forward pass (flip-averaged when the model asks), the face embedder
 * that prepares faces as the model's record says, photo → faces → embeddings for embed, index
 * and serve, embedders for models and baselines, and the triplet scoring that training's
 * validation and evaluation share.
 */
export {
  DEFAULT_DETECT_MARGIN,
  DEFAULT_EMBED_BATCH,
  createEmbedder,
  embedFaces,
  type EmbedOptions,
  type FaceEmbedder,
  type PrepareFaceOptions,
} from './face-embedder.js';
export {
  embedFiles,
  type EmbedFilesOptions,
  type EmbedFilesResult,
  type EmbeddedFace,
} from './embed-files.js';
export {
  embeddingFormat,
  npyRowsPath,
  writeEmbeddings,
  type EmbeddingFormat,
} from './embed-output.js';
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
  openInputSource,
  PixelInputSource,
  RandomInputSource,
  type FeatureInputSpec,
  type InputSpec,
  type PixelInputSpec,
  type RandomInputSpec,
  type TripletInputSource,
} from './input-source.js';
export {
  embedPhotoFaces,
  preparePhotoFaces,
  type PreparePhotoFacesOptions,
  faceThumbnail,
  THUMBNAIL_SIZE,
  type EmbeddedImageFace,
  type FaceCropOptions,
} from './photo-faces.js';
export { EMBED_BATCH, embedFlat, embedWith, loadAllMirrored } from './forward.js';
export { DEFAULT_EMBED, DEFAULT_FRAME_MODEL } from './defaults.js';
export {
  checkDetectorName,
  openFaceTools,
  recordedDetector,
  type DetectingFaceTools,
  type FaceTools,
  type FaceToolsOptions,
} from './face-tools.js';
export { embedImages, type EmbedImagesOptions, type EmbedImagesResult } from './embed-images.js';
export { frameModel, type FrameModelOptions, type FrameModelResult } from './frame-model.js';

export { embedSummaryJson, formatEmbedSummary, formatFrameResult } from './format.js';
