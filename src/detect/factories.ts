import type { Detector, DetectorName } from '../core/face.js';
import type { BlazeFaceConfig } from './blazeface.js';
import type { MtcnnConfig } from './mtcnn.js';
import type { ViolaJonesConfig } from './viola-jones.js';

/** Each detector's configuration type, by name. */
export interface DetectorConfigs {
  mtcnn: MtcnnConfig;
  'viola-jones': ViolaJonesConfig;
  blazeface: BlazeFaceConfig;
}

export type DetectorFactory<N extends DetectorName> = (
  config: DetectorConfigs[N],
) => Promise<Detector>;

// Implementations are imported lazily: Viola-Jones pulls in a 10 MB OpenCV build that a caller
// using MTCNN should never pay for. (factories.browser.ts: the browser build's, without it.)
export const DETECTOR_FACTORIES: { [N in DetectorName]: DetectorFactory<N> } = {
  mtcnn: async (c) => (await import('./mtcnn.js')).MtcnnDetector.create(c),
  'viola-jones': async (c) => (await import('./viola-jones.js')).ViolaJonesDetector.create(c),
  blazeface: async (c) => (await import('./blazeface.js')).BlazeFaceDetector.create(c),
};
