/**
 * Datasets: the FEC triplet CSVs (streaming parser, majority votes, image downloader), labelled
 * expression datasets (image folders, labels CSVs, fer2013.csv) turned into FEC-style triplets,
 * and exprsim's one triplet file format with its dataset manifest. See README.md here.
 */
export { splitCsvLine, type CsvSplit } from './csv-line.js';
export {
  FEC_TRIPLET_TYPES,
  FEC_FIXED_FIELDS,
  boxKey,
  isFecBadRow,
  isHttpUrl,
  parseDecimal,
  parseFecFields,
  type FecAnnotation,
  type FecBadRow,
  type FecBox,
  type FecFace,
  type FecRating,
  type FecRow,
  type FecTripletType,
} from './fec-row.js';
export { readFecCsv, type FecReadSummary, type ReadFecOptions } from './fec-csv.js';
export {
  labelFecRow,
  reducedFraction,
  resolveLabelOptions,
  voteRatings,
  type FecTriplet,
  type LabelOptions,
  type LabelResult,
  type TieRule,
  type Vote,
} from './vote.js';
export { fecInfo, type AgreementBin, type FecInfo } from './fec-info.js';
export { cropFile, cropId, fullImageFile, urlId, type CropFormat } from './fec-ids.js';
export { faceCropRect } from './face-crop.js';
export {
  backoffDelay,
  fetchWithRetry,
  type FetchOutcome,
  type FetchPolicy,
} from './fetch-retry.js';
export {
  DOWNLOAD_MANIFEST,
  readDownloadManifest,
  type CropRecord,
  type DownloadRecord,
  type DownloadStatus,
} from './download-manifest.js';
export {
  downloadFec,
  type DownloadProblem,
  type FecDownloadOptions,
  type FecDownloadReport,
} from './fec-download.js';
export {
  SPLITS,
  countByLabel,
  normalizeSplit,
  type LabelledDataset,
  type LabelledImage,
  type SkippedItem,
  type SplitName,
} from './labelled.js';
export {
  LABELS_CSV_COLUMNS,
  keyPath,
  loadLabelsCsv,
  type LoadLabelsOptions,
} from './labels-csv.js';
export { loadImageFolder } from './image-folder.js';
export {
  FER2013_LABELS,
  FER2013_SIZE,
  extractFer2013,
  readFer2013Csv,
  type ExtractFer2013Result,
  type Fer2013Face,
} from './fer2013-csv.js';
export { assignSplits, type AssignOptions, type SplitAssignment } from './split-assign.js';
export {
  sampleLabelTriplets,
  type SampleTripletsOptions,
  type SampleTripletsResult,
} from './sample-triplets.js';
export {
  sourceNameFor,
  writeLabelTriplets,
  type LabelTripletOptions,
  type LabelTripletsResult,
} from './label-triplets.js';
export {
  formatTriplet,
  readTripletFile,
  tripletProblem,
  writeTripletFile,
  type TripletRow,
} from './triplet-file.js';
export {
  DATASET_MANIFEST,
  loadTripletSplit,
  readDatasetManifest,
  sourceRoot,
  type DatasetManifest,
  type DatasetSource,
  type DatasetSplit,
  type LoadedTriplets,
} from './dataset-manifest.js';
export { writeFecTriplets, type FecSplitCounts, type FecTripletOptions } from './fec-triplets.js';
export {
  DEFAULT_CROP_MARGIN,
  DEFAULT_FEC_DOWNLOAD,
  DEFAULT_LABEL_OPTIONS,
  DEFAULT_LABEL_TRIPLETS,
  DEFAULT_SEED,
  DEFAULT_SPLIT_RATIOS,
  DEFAULT_TRIPLET_COUNTS,
  TIE_RULES,
} from './defaults.js';
export {
  loadLabelledSource,
  writeTriplets,
  type LabelledSource,
  type LabelledSourceOptions,
  type TripletsOptions,
  type TripletsResult,
} from './labelled-source.js';
export { DEFAULT_FERPLUS_TRIPLETS } from './defaults.js';
export {
  FERPLUS_COUNT_COLUMNS,
  FERPLUS_EMOTIONS,
  FERPLUS_FOLDERS,
  FERPLUS_LAYOUTS,
  readFerplusVotes,
  type FerplusEmotion,
  type FerplusFace,
  type FerplusLayout,
  type FerplusVotes,
  type ReadFerplusVotesOptions,
} from './ferplus-votes.js';
export {
  gradeTriple,
  gradedTripletType,
  judgeTriple,
  majorityOf,
  sampleGradedTriplets,
  voteDistance,
  voteDistribution,
  type GradedFace,
  type GradedJudgement,
  type GradedPartStats,
  type SampleGradedOptions,
  type SampleGradedResult,
} from './graded-triplets.js';
export {
  writeFerplusTriplets,
  type FerplusSplitCounts,
  type FerplusTripletOptions,
  type FerplusTripletsResult,
} from './ferplus-triplets.js';
export {
  FERPLUS_LEFT_OUT,
  commonDir,
  loadFerplusFaces,
  voteProblem,
  type FerplusFaces,
  type FerplusFileSummary,
  type FerplusLeftOut,
  type FerplusSplitFaces,
  type LoadFerplusFacesOptions,
} from './ferplus-faces.js';
export {
  fecTripletsJson,
  ferplusResultJson,
  formatFecDownload,
  formatFecInfo,
  formatFecTriplets,
  formatFerplusResult,
  formatTripletsResult,
  tripletsResultJson,
  type FecTripletsResult,
} from './format.js';
export {
  formatMixResult,
  mixTriplets,
  type MixInput,
  type MixResult,
  type MixTripletsOptions,
} from './mix-triplets.js';
