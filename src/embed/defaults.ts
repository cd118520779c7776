// The embedding defaults, without TensorFlow.js: the library's resolvers and the CLI's help
// both read them.
import { DEFAULT_DETECT_MARGIN, DEFAULT_EMBED_BATCH } from '../features/defaults.js';

export { DEFAULT_DETECT_MARGIN, DEFAULT_EMBED_BATCH };

/** What `embedImages` (and `exprsim embed`) use when an option is left out. */
export const DEFAULT_EMBED = Object.freeze({
  /** Faces per forward pass. */
  batchSize: DEFAULT_EMBED_BATCH,
  /** Margin around detected boxes when the model's record gives none. */
  margin: DEFAULT_DETECT_MARGIN,
  /** Find the faces in the images first (else each image is a face crop). */
  detect: true,
  /** The detector when the model's record names none. */
  detector: 'mtcnn',
});

/** `frameModel`'s defaults: every detector, 1,000 training crops. */
export const DEFAULT_FRAME_MODEL = Object.freeze({
  detectors: Object.freeze(['mtcnn', 'blazeface', 'viola-jones']) as readonly string[],
  count: 1000,
  seed: 1,
});
