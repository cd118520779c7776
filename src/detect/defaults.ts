/**
 * The detector names, the one check of a detector name, and the documented defaults of the
 * detectors and the detector benchmark, without TensorFlow.js, sharp or OpenCV: the CLI's option
 * parsing and help read them at start-up, the resolvers read them when a detector is made.
 */
import { ExprsimError } from '../core/errors.js';
import type { DetectorName } from '../core/face.js';

/** The registered detector names, in the order the CLI and the benchmark list them. */
export const DETECTOR_NAMES: readonly DetectorName[] = Object.freeze([
  'mtcnn',
  'viola-jones',
  'blazeface',
]);

/** The detector used when none is named. */
export const DEFAULT_DETECTOR: DetectorName = 'mtcnn';

export function isDetectorName(name: unknown): name is DetectorName {
  return typeof name === 'string' && (DETECTOR_NAMES as readonly string[]).includes(name);
}

/**
 * `value` as a detector name; E_UNKNOWN_NAME listing the registered ones otherwise. `option` is
 * the option key the name came in (`detector` unless told), named in the error.
 */
export function parseDetectorName(value: unknown, option = 'detector'): DetectorName {
  if (isDetectorName(value)) return value;
  throw new ExprsimError('E_UNKNOWN_NAME', `unknown detector "${String(value)}"`, {
    input: `\`${option}\` ${String(value)}`,
    fix: `use one of ${DETECTOR_NAMES.join(', ')}`,
    option,
  });
}

/**
 * The smallest face size, in pixels, each detector can be asked to look for (`minFace` of
 * detectFiles, MTCNN's `minFaceSize`, Viola-Jones's `minSize`): MTCNN's first network reads
 * 12-px windows and enlarging the image 3x (12 / 4) is as far as its pyramid goes; Viola-Jones
 * shrinks its 24-px window to any size. BlazeFace has no such setting (undefined).
 */
export const MIN_FACE_LIMITS: Readonly<Record<DetectorName, number | undefined>> = Object.freeze({
  mtcnn: 4,
  'viola-jones': 1,
  blazeface: undefined,
});

/** The largest smallest-face size any detector takes. */
export const MAX_MIN_FACE = 1e6;

/**
 * Checks a smallest-face size against `detector`'s real limits (MIN_FACE_LIMITS): E_BAD_OPTION
 * naming the detector and its minimum. `option` is the key the size came in (default `minFace`).
 */
export function checkMinFace(detector: DetectorName, minFace: number, option = 'minFace'): void {
  const min = MIN_FACE_LIMITS[detector] ?? 1;
  if (Number.isFinite(minFace) && minFace >= min && minFace <= MAX_MIN_FACE) return;
  throw new ExprsimError(
    'E_BAD_OPTION',
    `${detector} looks for faces of ${min} to ${MAX_MIN_FACE} px`,
    {
      input: `\`${option}\` ${minFace}`,
      fix: `pass \`${option}\` ${min} or more`,
      option,
    },
  );
}

/** OpenCV's frontal Haar cascades that Viola-Jones can run. */
export type HaarCascadeName = 'frontalface_default' | 'frontalface_alt2';

export const HAAR_CASCADES: readonly HaarCascadeName[] = Object.freeze([
  'frontalface_default',
  'frontalface_alt2',
]);

/** MTCNN's defaults (the weights folder is `<modelDir()>/mtcnn`). */
export const DEFAULT_MTCNN_CONFIG = Object.freeze({
  minFaceSize: 20,
  minFaceRatio: 0.03,
  scaleFactor: 0.709,
  thresholds: Object.freeze([0.6, 0.7, 0.7]) as readonly [number, number, number],
  maxFaces: Infinity,
});

/**
 * Viola-Jones's defaults (the cascades are in `<modelDir()>/haarcascades`; `threads` is 2 on
 * machines with two or more cores, else 1).
 */
export const DEFAULT_VIOLA_JONES_CONFIG = Object.freeze({
  cascade: 'frontalface_default' as HaarCascadeName,
  scaleFactor: 1.1,
  minNeighbors: 5,
  minSize: 24,
  minSizeRatio: 0.03,
  equalize: true,
  profile: false,
});

/** BlazeFace's defaults (the model is `<modelDir()>/blazeface`). */
export const DEFAULT_BLAZEFACE_CONFIG = Object.freeze({
  minScore: 0.5,
  iouThreshold: 0.3,
  tiles: false,
});

/** runDetectBench's defaults. */
export const DEFAULT_DETECT_BENCH = Object.freeze({
  /** The shared data folder (fer2013/, wider-val-subset/, photos/), relative to the working folder. */
  dataDir: '../shared/data',
  detectors: DETECTOR_NAMES,
  /** FER2013 PrivateTest crops, evenly spaced over the list. */
  ferSample: 500,
  /** Black border around each 48x48 crop, as a fraction of its side. */
  ferPadding: 0.25,
});
