// The search and indexing defaults, without TensorFlow.js: the library reads them where an
// option is left out, and the CLI's help shows them.
import type { OptionSpec } from '../core/option-spec.js';
import { DETECTOR_NAMES } from '../detect/defaults.js';

export const DEFAULT_SEARCH = Object.freeze({
  /** Neighbours a search returns. */
  k: 10,
  /** The most neighbours `exprsim search` may ask for. */
  maxK: 10_000,
  /** The detector that finds the faces of photos (indexed and queried alike). */
  detector: 'mtcnn',
  /** Indexing removes the records of photos that no longer exist. */
  prune: true,
});

/** The index a photo command reads or writes (`db`). */
export const DB_OPTION_SPEC: OptionSpec = {
  flags: '--db <path|url>',
  help: 'the index: an SQLite file, or a postgres:// URL',
  required: true,
};

/** The options every photo command shares (PhotoModelOptions), after its own in the help. */
export const PHOTO_MODEL_OPTION_SPECS: readonly OptionSpec[] = Object.freeze([
  { flags: '--model <dir>', help: 'a model folder (default: the shipped models/exprsim-default)' },
  {
    flags: '--detector <name>',
    help: `face detector: ${DETECTOR_NAMES.join(', ')}`,
    default: DEFAULT_SEARCH.detector,
  },
  {
    flags: '--margin <m>',
    help: 'margin around detected boxes, fraction of their size (default: the model’s)',
  },
]);

/** `exprsim index`'s own options, after the index and the photo model's (IndexFolderOptions). */
export const INDEX_OPTION_SPECS: readonly OptionSpec[] = Object.freeze([
  { flags: '--max-faces <n>', help: 'at most n faces per photo (highest detector scores)' },
  { flags: '--no-prune', help: 'keep the records of photos that no longer exist' },
]);

/** `exprsim search`'s own options (SearchIndexOptions). */
export const SEARCH_OPTION_SPECS: readonly OptionSpec[] = Object.freeze([
  DB_OPTION_SPEC,
  { flags: '-k, --k <n>', help: 'how many faces to return', default: String(DEFAULT_SEARCH.k) },
  {
    flags: '--face <n>',
    help: 'which face of the query photo (0 = highest detector score; default: the largest)',
  },
]);

/** `exprsim similar`'s own options (CompareImagesOptions). */
export const SIMILAR_OPTION_SPECS: readonly OptionSpec[] = Object.freeze([
  {
    flags: '--db <path|url>',
    help: 'a face index to calibrate with when the model has no calibration.json',
  },
  { flags: '--face-a <n>', help: 'which face of the first photo (default: the largest)' },
  { flags: '--face-b <n>', help: 'which face of the second photo (default: the largest)' },
]);
