// The search and indexing defaults, without TensorFlow.js: the library reads them where an
// option is left out, and the CLI's help shows them.
import type { OptionSpec } from '../core/option-spec.js';
import { DETECTOR_NAMES } from '../detect/defaults.js';
import { ANN_DEFAULTS, ANN_MIN_FACES, ANN_MODES } from './ann-options.js';

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
  {
    flags: '--ann <mode>',
    help: `approximate search index (HNSW) left by this run: ${ANN_MODES.join(', ')} (auto: past --ann-min-faces faces; EXPRSIM_ANN=0 forces off)`,
    default: ANN_DEFAULTS.mode,
  },
  {
    flags: '--ann-min-faces <n>',
    help: `faces from which --ann auto builds the index (default: ${ANN_MIN_FACES.sqlite} of a model version in SQLite, ${ANN_MIN_FACES.postgres} in PostgreSQL)`,
  },
  { flags: '--ann-m <n>', help: 'HNSW graph degree', default: String(ANN_DEFAULTS.m) },
  {
    flags: '--ann-ef-construction <n>',
    help: 'HNSW candidates kept while building',
    default: String(ANN_DEFAULTS.efConstruction),
  },
]);

/** `exprsim search`'s own options (SearchIndexOptions). */
export const SEARCH_OPTION_SPECS: readonly OptionSpec[] = Object.freeze([
  DB_OPTION_SPEC,
  { flags: '-k, --k <n>', help: 'how many faces to return', default: String(DEFAULT_SEARCH.k) },
  {
    flags: '--face <n>',
    help: 'which face of the query photo (0 = highest detector score; default: the largest)',
  },
  {
    flags: '--ef-search <n>',
    help: 'HNSW candidates searched where the index has one (more: closer to exact, slower)',
    default: String(ANN_DEFAULTS.efSearch),
  },
  { flags: '--exact', help: 'scan every face even where the index has an HNSW index' },
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
