/**
 * Face detection: one interface over three detectors (MTCNN, Viola-Jones Haar cascades and
 * BlazeFace), created by name with `createDetector`. Boxes are in pixels of the input image and
 * sorted by score. Weights ship in models/ and load from disk.
 */
export type {
  DetectInput,
  DetectedFace,
  Detector,
  DetectorName,
  FaceBox,
  FaceLandmarks,
  LandmarkName,
  Point,
} from '../core/face.js';
export { LANDMARK_NAMES } from '../core/face.js';
export {
  createDetector,
  isDetectorName,
  DETECTOR_NAMES,
  type DetectorConfigs,
} from './registry.js';
export { resolveMtcnnConfig, type MtcnnConfig, type ResolvedMtcnnConfig } from './mtcnn.js';
export {
  resolveViolaJonesConfig,
  HAAR_CASCADES,
  type HaarCascadeName,
  type ViolaJonesConfig,
  type ResolvedViolaJonesConfig,
} from './viola-jones.js';
export {
  resolveBlazeFaceConfig,
  type BlazeFaceConfig,
  type ResolvedBlazeFaceConfig,
} from './blazeface.js';
export {
  clipBox,
  fromCorners,
  iou,
  nms,
  overlap,
  roundBox,
  squareCorners,
  toCorners,
  type Corners,
} from './geometry.js';
export {
  matchDetections,
  median,
  loadFerSample,
  runDetectBench,
  PHOTO_COUNTS,
  type DetectBenchOptions,
  type DetectBenchResult,
  type DetectorBench,
  type GroundTruthBox,
  type MatchResult,
  type PhotoResult,
  type SetResult,
} from './bench.js';
export {
  DEFAULT_BLAZEFACE_CONFIG,
  DEFAULT_DETECT_BENCH,
  DEFAULT_MTCNN_CONFIG,
  DEFAULT_VIOLA_JONES_CONFIG,
  parseDetectorName,
} from './defaults.js';
export { annotateFaces } from './annotate.js';
export {
  detectFiles,
  type DetectFilesOptions,
  type DetectFilesResult,
  type FileFaces,
} from './detect-files.js';
export { detectFilesJson, formatDetectBench, formatDetectFiles } from './format.js';
