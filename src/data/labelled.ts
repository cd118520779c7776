/**
 * Labelled expression datasets (image folders, labels CSVs, fer2013.csv) in one shape, so that
 * triplet sampling does not care which loader produced them.
 */

/** The three splits every exprsim dataset has. */
export const SPLITS = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

const SPLIT_ALIASES: Record<string, SplitName> = {
  train: 'train',
  training: 'train',
  val: 'val',
  valid: 'val',
  validation: 'val',
  publictest: 'val',
  test: 'test',
  privatetest: 'test',
};

/**
 * Maps a split name as datasets spell it to ours: FER2013's Training / PublicTest / PrivateTest
 * become train / val / test (PublicTest is conventionally used to tune, PrivateTest to report
 * once); train/training, val/valid/validation and test are accepted too, in any case.
 */
export function normalizeSplit(value: string): SplitName | undefined {
  return SPLIT_ALIASES[value.trim().toLowerCase()];
}

export interface LabelledImage {
  /** The image's path relative to the dataset root, with forward slashes: the triplet key. */
  key: string;
  label: string;
  split?: SplitName;
  subject?: string;
  /** Line of the labels CSV (or data row of fer2013.csv) it came from, for messages. */
  line?: number;
}

/** A skipped row or file with why. */
export interface SkippedItem {
  line?: number;
  item: string;
  reason: string;
}

export interface LabelledDataset {
  kind: 'labels-csv' | 'image-folder';
  /** The labels CSV or folder given. */
  input: string;
  /** Absolute directory the image keys are relative to. */
  root: string;
  images: LabelledImage[];
  /** Rows or files not used (bad values, duplicates, non-image files): count and the first few. */
  skipped: { count: number; first: SkippedItem[] };
  /** Listed images that do not exist on disk (dropped from `images`): count and the first few. */
  missing: { count: number; first: SkippedItem[] };
  /** Labels CSV columns that were not read (e.g. CK+'s sequence and frame). */
  ignoredColumns?: string[];
  /** Every image has a split / a subject. */
  hasSplits: boolean;
  hasSubjects: boolean;
}

/** How many skipped / missing items a dataset keeps for its report. */
export const KEEP_FIRST = 10;

/** Adds an item to a {count, first} tally. */
export function tally(t: { count: number; first: SkippedItem[] }, item: SkippedItem): void {
  t.count++;
  if (t.first.length < KEEP_FIRST) t.first.push(item);
}

/** Images per label, sorted by label name. */
export function countByLabel(images: readonly LabelledImage[]): Record<string, number> {
  const m = new Map<string, number>();
  for (const im of images) m.set(im.label, (m.get(im.label) ?? 0) + 1);
  return Object.fromEntries([...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}
