/**
 * factories.ts for the browser build: MTCNN and BlazeFace. Viola-Jones runs on OpenCV's Node
 * build (file reads, worker threads) and is not in the bundle; asking for it says so.
 */
import { ExprsimError } from '../core/errors.js';
import type { DetectorName } from '../core/face.js';
import type { DetectorFactory } from './factories.js';

export type { DetectorConfigs, DetectorFactory } from './factories.js';

export const DETECTOR_FACTORIES: { [N in DetectorName]: DetectorFactory<N> } = {
  mtcnn: async (c) => (await import('./mtcnn.js')).MtcnnDetector.create(c),
  'viola-jones': async () => {
    throw new ExprsimError('E_UNKNOWN_NAME', 'the browser build has no Viola-Jones detector', {
      input: '`detector` viola-jones',
      fix: 'use mtcnn or blazeface in the browser',
      option: 'detector',
    });
  },
  blazeface: async (c) => (await import('./blazeface.js')).BlazeFaceDetector.create(c),
};
