import { ExprsimError } from '../core/errors.js';
import { parseDetectorName } from './defaults.js';
import type { Detector, DetectorName } from '../core/face.js';
import {
  DETECTOR_FACTORIES as FACTORIES,
  type DetectorConfigs,
  type DetectorFactory as Factory,
} from './factories.js';

export type { DetectorConfigs } from './factories.js';

// The names and their one check live in the tfjs-free defaults.ts (the CLI's help reads them).
export { DETECTOR_NAMES, isDetectorName, parseDetectorName } from './defaults.js';

/**
 * Creates a face detector by name, loading its shipped weights from disk (nothing is downloaded).
 * `config` is validated and its defaults filled in once; the result is on `detector.config`.
 *
 * - `mtcnn`: MTCNN (P-Net/R-Net/O-Net) on TensorFlow.js, boxes + five landmarks.
 * - `viola-jones`: OpenCV Haar cascades (opencv.js), boxes only.
 * - `blazeface`: MediaPipe BlazeFace (back-camera model), boxes + eyes, nose, mouth.
 *
 * Throws E_UNKNOWN_NAME for another name, E_BAD_OPTION for a bad config value, and
 * E_FILE_NOT_FOUND / E_MODEL_FORMAT when the shipped weights are missing or damaged.
 */
export async function createDetector<N extends DetectorName>(
  name: N,
  config?: DetectorConfigs[N],
): Promise<Detector>;
export async function createDetector(name: string, config?: object): Promise<Detector>;
export async function createDetector(name: string, config: object = {}): Promise<Detector> {
  parseDetectorName(name);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ExprsimError('E_BAD_OPTION', `the ${name} config must be an object`, {
      input: JSON.stringify(config),
      fix: 'pass an object of options, or nothing for the defaults',
    });
  }
  return (FACTORIES[name as DetectorName] as Factory<DetectorName>)(config as never);
}
