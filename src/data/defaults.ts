/**
 * The data stage's documented defaults and names, without sharp or TensorFlow.js: the CLI's
 * option parsing and help read them at start-up, the loaders and writers when they run.
 */
import type { OptionSpec } from '../core/option-spec.js';
import type { FailOn } from '../image/types.js';
import type { CropFormat } from './fec-ids.js';
import type { SplitName } from './labelled.js';

export { SPLITS, type SplitName } from './labelled.js';

/**
 * What to do with an FEC row whose raters tied on the odd one out: `drop` it (default), or keep
 * it with the `lowest`-numbered tied image as the odd one (see vote.ts).
 */
export type TieRule = 'drop' | 'lowest';

export const TIE_RULES: readonly TieRule[] = Object.freeze(['drop', 'lowest']);

/** Majority-vote defaults (vote.ts): keep every agreement, drop ties. */
export const DEFAULT_LABEL_OPTIONS = Object.freeze({
  minAgreement: 0,
  ties: 'drop' as TieRule,
});

/** Margin added around FEC face boxes by default, as a fraction of the box's width and height. */
export const DEFAULT_CROP_MARGIN = 0.2;

/** downloadFec's defaults. */
export const DEFAULT_FEC_DOWNLOAD = Object.freeze({
  /** Parallel requests: fast enough for 156K URLs, polite to one image host. */
  concurrency: 8,
  /** Per request (headers and body). */
  timeoutMs: 30_000,
  /** Extra attempts on timeouts, network errors, 5xx, 408, 429. */
  retries: 3,
  /** First retry wait; doubles per retry up to maxBackoffMs. */
  backoffMs: 1000,
  maxBackoffMs: 30_000,
  margin: DEFAULT_CROP_MARGIN,
  format: 'jpeg' as CropFormat,
  /** Crops are training inputs: keep them close to the source. */
  quality: 95,
  /** Flickr originals of FEC photos are far smaller. */
  maxBytes: 20 * 1024 * 1024,
  /** Rejects truncated and corrupt images, accepts the harmless warnings of many web JPEGs. */
  failOn: 'error' as FailOn,
});

/**
 * Default triplets per split. 5,000 for val and test: enough that triplet accuracy is known to
 * about ±0.6 points (binomial s.e. at 85%), cheap to evaluate on a CPU. 50,000 for train: with
 * FER2013's ~29K training images each image appears about five times per pass, and FEC's own
 * 360K+ triplets remain the larger source. Pass counts to change them.
 */
export const DEFAULT_TRIPLET_COUNTS: Readonly<Record<SplitName, number>> = Object.freeze({
  train: 50_000,
  val: 5_000,
  test: 5_000,
});

export const DEFAULT_SEED = 1;

/** Train / val / test fractions used when a dataset has no split column. */
export const DEFAULT_SPLIT_RATIOS: readonly [number, number, number] = Object.freeze([
  0.8, 0.1, 0.1,
]) as readonly [number, number, number];

/** writeLabelTriplets's defaults. */
export const DEFAULT_LABEL_TRIPLETS = Object.freeze({
  counts: DEFAULT_TRIPLET_COUNTS,
  seed: DEFAULT_SEED,
  splitRatios: DEFAULT_SPLIT_RATIOS,
  subjectDisjoint: false,
});

/**
 * FER+ graded triplets (`writeFerplusTriplets`, `exprsim data ferplus-triplets`); why each
 * value is what it is: src/data/README.md, "FER+".
 * - `counts`: as the label triplets (50,000 train, 5,000 val: about ±0.6 points of triplet
 *   accuracy); `test` is written only when the votes have PrivateTest faces.
 * - `oneClassShare`: half one-class (graded similarity inside one emotion, where hard labels are
 *   blind), half mixed.
 * - `minMargin`: 0.3 in total variation. One rater changing a vote moves a face's distribution
 *   by 1/n (n = its emotion votes: at least 8 of FER+'s 10 with `maxUnknown` 2 and `maxNf` 0; 7
 *   for its one nine-vote face) and the margin by at most 2/n <= 0.29: a kept triplet's odd one
 *   out survives any one changed vote.
 * - `maxNf` 0: one "not a face" vote flags a damaged crop (text, a drawing, a blank).
 * - `maxUnknown` 2: three or more "unknown" votes leave seven or fewer to make a distribution
 *   from (3% of the faces).
 */
export const DEFAULT_FERPLUS_TRIPLETS = Object.freeze({
  counts: DEFAULT_TRIPLET_COUNTS,
  oneClassShare: 0.5,
  minMargin: 0.3,
  maxNf: 0,
  maxUnknown: 2,
  seed: DEFAULT_SEED,
  sourceName: 'ferplus',
});

/**
 * `--overwrite`, of the commands writing a triplet set (`data triplets`, `data ferplus-triplets`,
 * `data fec-triplets`): without it a folder holding a set already is refused (out-dir.ts).
 */
export const OVERWRITE_OPTION: OptionSpec = Object.freeze({
  flags: '--overwrite',
  help: 'replace the triplet set already in --out (default: refuse)',
});
