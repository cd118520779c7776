/**
 * Face indexing and search: `openStore` (SQLite file or PostgreSQL + pgvector URL, one
 * `FaceStore` contract), `indexPhotos` (incremental, resumable, one transaction per photo), and
 * the queries: `searchByImage` / `searchByFace` (exact nearest neighbours), `compareFaces`
 * (distance and calibrated similarity) and `oddOneOut` (the FEC triplet task).
 */
export type {
  Box,
  FaceRecord,
  FaceStore,
  NearestOptions,
  Neighbour,
  NewFace,
  NewPhoto,
  OpenStoreOptions,
  PhotoRecord,
  StoreStats,
} from './types.js';
export { openStore, storeKind, STORE_SCHEMES } from './open-store.js';
export {
  ANN_DEFAULTS,
  ANN_MIN_FACES,
  ANN_MODES,
  annDisabledByEnv,
  resolveAnnOptions,
  type AnnMode,
  type AnnOptions,
} from './ann-options.js';
export { redactLocation } from './store-common.js';
export { STORE_FORMAT, STORE_SCHEMA_VERSION } from './store-common.js';
export {
  indexPhotos,
  type IndexFailure,
  type IndexPhotosOptions,
  type IndexSummary,
} from './index-photos.js';
export {
  embedImageFaces,
  pickFace,
  searchByFace,
  searchByImage,
  type ImageFaces,
  type ImageFacesOptions,
  type ImageSearchOptions,
  type ImageSearchResult,
  type SearchOptions,
} from './query.js';
export {
  compareFaces,
  distancePercentile,
  readModelCalibration,
  resolveCalibration,
  storeCalibration,
  CALIBRATION_FILE,
  MIN_STORE_FACES,
  STORE_CALIBRATION_PAIRS,
  type Calibration,
  type CalibrationSourceOptions,
  type CalibrationResult,
  type FaceComparison,
} from './compare.js';
export { oddOneOut, type OddOneOutResult } from './odd-one-out.js';
export { modelVersion } from './model-version.js';
export { isInside, photoFile, toPhotoPath } from './photo-path.js';
export { EmbeddingMatrix, TopK, type ScoredId } from './top-k.js';
export { euclidean } from './vectors.js';
export { DEFAULT_SEARCH } from './defaults.js';
export { indexFolder, type IndexFolderOptions, type IndexFolderResult } from './index-folder.js';
export {
  compareImages,
  findOddOneOut,
  searchIndex,
  type CompareImagesOptions,
  type CompareImagesResult,
  type FindOddOneOutOptions,
  type FindOddOneOutResult,
  type PhotoModelOptions,
  type QueryPhoto,
  type SearchIndexOptions,
  type SearchIndexResult,
} from './image-queries.js';
export {
  comparisonJson,
  formatComparison,
  formatIndexSummary,
  formatOddOneOut,
  formatSearchResult,
  oddOneOutJson,
  searchResultJson,
} from './format.js';
