import { dirname, join, resolve } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import type { ProgressCallback } from '../core/progress.js';
import { deriveSeed, mulberry32, requireSeed, shuffle } from '../core/prng.js';
import {
  makeSource,
  writeDatasetManifest,
  type DatasetManifest,
  type DatasetSplit,
} from './dataset-manifest.js';
import { DEFAULT_FERPLUS_TRIPLETS } from './defaults.js';
import type { FecTripletType } from './fec-row.js';
import {
  FERPLUS_LEFT_OUT,
  commonDir,
  loadFerplusFaces,
  type FerplusFileSummary,
  type FerplusLeftOut,
  type FerplusSplitFaces,
} from './ferplus-faces.js';
import { FERPLUS_EMOTIONS, type Tally } from './ferplus-votes.js';
import {
  majorityOf,
  sampleGradedTriplets,
  type GradedFace,
  type GradedPartStats,
} from './graded-triplets.js';
import { SPLITS, type SplitName } from './labelled.js';
import { checkTripletDir, prepareTripletDir } from './out-dir.js';
import { writeTripletFile, type TripletRow } from './triplet-file.js';

export interface FerplusTripletOptions {
  /** One vote file or several (e.g. FERPlus's label.csv per folder); layouts are detected. */
  votes: string | readonly string[];
  outDir: string;
  /** Triplets per split; default DEFAULT_FERPLUS_TRIPLETS.counts. A split absent from the votes is not written. */
  counts?: Partial<Record<SplitName, number>>;
  /** Share of one-class triplets, 0..1 (default 0.5). */
  oneClassShare?: number;
  /** Smallest margin (total variation, 0..1) between the closest pair and the next (default 0.3). */
  minMargin?: number;
  /** Faces with more "not a face" votes than this are left out (default 0). */
  maxNf?: number;
  /** Faces with more "unknown" votes than this are left out (default 2). */
  maxUnknown?: number;
  seed?: number;
  /** The source name in rows and manifest (default 'ferplus'). */
  sourceName?: string;
  /** The split of a label.csv whose folder name does not say it. */
  split?: SplitName;
  /** fer2013new.csv: the folder holding FER2013Train/FER2013Valid/FER2013Test. */
  imagesDir?: string;
  /** Replace the triplet set already in `outDir` (default false: E_BAD_OPTION). */
  overwrite?: boolean;
  onProgress?: ProgressCallback;
}

export interface FerplusSplitCounts {
  /** Faces of this split in the votes, and those usable after leaving some out. */
  faces: number;
  usable: number;
  leftOut: Record<FerplusLeftOut, number>;
  /** Usable faces per majority emotion (`tied`: no single top emotion). */
  classes: Record<string, number>;
  requested: number;
  written: number;
  types: Record<FecTripletType, number>;
  oneClass: GradedPartStats;
  mixed: GradedPartStats;
}

export interface FerplusTripletsResult {
  manifest: DatasetManifest;
  manifestPath: string;
  /** Triplets written per split. */
  counts: Partial<Record<SplitName, number>>;
  splits: Partial<Record<SplitName, FerplusSplitCounts>>;
  /** Faces left out, by reason: count and the first few (line, image, why). */
  leftOut: Record<FerplusLeftOut, Tally>;
  files: FerplusFileSummary[];
}

interface Resolved {
  counts: Record<SplitName, number>;
  oneClassShare: number;
  minMargin: number;
  maxNf: number;
  maxUnknown: number;
  seed: number;
  sourceName: string;
}

function badOption(option: string, what: string, value: unknown): ExprsimError {
  return new ExprsimError('E_BAD_OPTION', `\`${option}\` must be ${what}, got ${String(value)}`, {
    input: `${option}=${String(value)}`,
    option,
  });
}

function resolveOptions(o: FerplusTripletOptions): Resolved {
  const d = DEFAULT_FERPLUS_TRIPLETS;
  const counts: Record<SplitName, number> = { ...d.counts, ...o.counts };
  for (const s of SPLITS) {
    if (!Number.isInteger(counts[s]) || counts[s] < 0)
      throw badOption('counts', `whole numbers >= 0 (${s})`, counts[s]);
  }
  const r: Resolved = {
    counts,
    oneClassShare: o.oneClassShare ?? d.oneClassShare,
    minMargin: o.minMargin ?? d.minMargin,
    maxNf: o.maxNf ?? d.maxNf,
    maxUnknown: o.maxUnknown ?? d.maxUnknown,
    seed: requireSeed(o.seed ?? d.seed),
    sourceName: o.sourceName ?? d.sourceName,
  };
  for (const k of ['oneClassShare', 'minMargin'] as const) {
    if (!(r[k] >= 0 && r[k] <= 1)) throw badOption(k, 'a number from 0 to 1', r[k]);
  }
  for (const k of ['maxNf', 'maxUnknown'] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 0) throw badOption(k, 'a whole number >= 0', r[k]);
  }
  if (!/^[A-Za-z0-9._-]+$/.test(r.sourceName))
    throw badOption('sourceName', 'letters, digits, dot, dash or underscore', r.sourceName);
  return r;
}

/**
 * FER+ vote files -> graded triplet files and dataset.json, in the format of the label and FEC
 * triplets. Splits come from the votes (Training → train, PublicTest → val, PrivateTest → test);
 * a split the votes do not have is not written. Faces are left out, and counted by reason, when
 * they have more NF or unknown votes than `maxNf` / `maxUnknown`, no emotion votes, or no image
 * file. Each split's triplets are sampled by sampleGradedTriplets (graded-triplets.ts has the
 * rule) with seeds derived from `seed` and the split, and shuffled (one-class and mixed rows
 * interleaved, so a prefix of the file has both). Keys are the image paths relative to the vote
 * file's folder (several files: their deepest common folder). A run that would write no
 * triplet at all is E_DATA_EMPTY, and nothing is written; so is a folder holding a triplet set
 * already, unless `overwrite` (checked before the votes are read).
 */
export async function writeFerplusTriplets(
  options: FerplusTripletOptions,
): Promise<FerplusTripletsResult> {
  const r = resolveOptions(options);
  const votes = (typeof options.votes === 'string' ? [options.votes] : [...options.votes]).map(
    (v) => resolve(v),
  );
  if (votes.length === 0) {
    throw new ExprsimError('E_BAD_OPTION', 'no vote file given', {
      option: 'votes',
      fix: 'pass `votes`',
    });
  }
  await checkTripletDir(options.outDir, options.overwrite);
  const root = commonDir([
    ...votes.map((v) => dirname(v)),
    ...(options.imagesDir !== undefined ? [options.imagesDir] : []),
  ]);
  const loaded = await loadFerplusFaces({
    votes,
    root,
    split: options.split,
    imagesDir: options.imagesDir,
    maxNf: r.maxNf,
    maxUnknown: r.maxUnknown,
    onProgress: options.onProgress,
  });
  const rowsBySplit = new Map<SplitName, TripletRow[]>();
  const splits: Partial<Record<SplitName, FerplusSplitCounts>> = {};
  for (const s of SPLITS) {
    const faces = loaded.splits[s];
    if (faces.faces === 0 || r.counts[s] === 0) continue;
    options.onProgress?.({ done: 0, total: r.counts[s], label: `sample ${s}` });
    const done = sampleSplit(s, faces, r);
    rowsBySplit.set(s, done.rows);
    splits[s] = done.counts;
    options.onProgress?.({ done: r.counts[s], total: r.counts[s], label: `sample ${s}` });
  }
  const total = [...rowsBySplit.values()].reduce((n, rows) => n + rows.length, 0);
  if (total === 0) throw nothingWritten(votes, loaded.faces, loaded.leftOut, r);

  await prepareTripletDir(options.outDir, options.overwrite);
  const manifestSplits: Partial<Record<SplitName, DatasetSplit>> = {};
  const counts: Partial<Record<SplitName, number>> = {};
  for (const [s, rows] of rowsBySplit) {
    const file = `${s}.jsonl`;
    await writeTripletFile(join(options.outDir, file), rows);
    counts[s] = rows.length;
    const c = splits[s] as FerplusSplitCounts;
    manifestSplits[s] = {
      file,
      count: rows.length,
      requested: c.requested,
      seed: deriveSeed(r.seed, s),
      images: c.usable,
      labels: c.classes,
      shortfall: c.requested - rows.length,
      faces: c.faces,
      leftOut: c.leftOut,
      types: c.types,
      oneClass: c.oneClass,
      mixed: c.mixed,
    };
  }
  const { files, leftOut } = loaded;
  const manifest = await writeDatasetManifest(options.outDir, {
    sources: {
      [r.sourceName]: makeSource(options.outDir, 'ferplus-votes', votes[0], root, {
        files,
        leftOut,
      }),
    },
    seed: r.seed,
    options: manifestOptions(r),
    splits: manifestSplits,
  });
  return {
    manifest,
    manifestPath: join(options.outDir, 'dataset.json'),
    counts,
    splits,
    leftOut,
    files,
  };
}

/** One split's graded triplets (shuffled) and what went into them. */
function sampleSplit(
  s: SplitName,
  split: FerplusSplitFaces,
  r: Resolved,
): { rows: TripletRow[]; counts: FerplusSplitCounts } {
  const faces: GradedFace[] = split.usable
    .map((f) => ({ key: f.key, counts: f.counts, majority: majorityOf(f.counts) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const g = sampleGradedTriplets(faces, {
    count: r.counts[s],
    oneClassShare: r.oneClassShare,
    minMargin: r.minMargin,
    rngOneClass: mulberry32(deriveSeed(r.seed, `${s}:one-class`)),
    rngMixed: mulberry32(deriveSeed(r.seed, `${s}:mixed`)),
    source: r.sourceName,
  });
  const classes: Record<string, number> = {};
  for (const e of [...FERPLUS_EMOTIONS, 'tied']) classes[e] = 0;
  for (const f of faces) classes[f.majority < 0 ? 'tied' : FERPLUS_EMOTIONS[f.majority]]++;
  return {
    rows: shuffle(g.rows, mulberry32(deriveSeed(r.seed, `${s}:order`))),
    counts: {
      faces: split.faces,
      usable: faces.length,
      leftOut: split.leftOut,
      classes,
      requested: r.counts[s],
      written: g.rows.length,
      types: g.types,
      oneClass: g.oneClass,
      mixed: g.mixed,
    },
  };
}

/** The options as the manifest records them, with the rule in words. */
function manifestOptions(r: Resolved): Record<string, unknown> {
  return {
    counts: r.counts,
    oneClassShare: r.oneClassShare,
    minMargin: r.minMargin,
    maxNf: r.maxNf,
    maxUnknown: r.maxUnknown,
    distance: 'total variation between vote distributions over the 8 emotions',
    rule: 'closest pair = anchor/positive, third = negative; kept when next distance - closest >= minMargin; agreement = that margin',
    sampling:
      'one-class: majority class in proportion to its faces, three faces of it; mixed: three faces uniformly, not all of one majority; distinct face sets',
    splitSeeds:
      'deriveSeed(seed, "<split>:one-class" | "<split>:mixed" | "<split>:order") with mulberry32',
  };
}

function nothingWritten(
  votes: readonly string[],
  faces: number,
  leftOut: Record<FerplusLeftOut, Tally>,
  r: Resolved,
): ExprsimError {
  const out = FERPLUS_LEFT_OUT.filter((k) => leftOut[k].count > 0)
    .map((k) => `${leftOut[k].count} ${k}`)
    .join(', ');
  const missing = leftOut.missingFile.first[0];
  return new ExprsimError(
    'E_DATA_EMPTY',
    `no triplets: ${faces} faces with votes${out === '' ? '' : ` (left out: ${out})`}, none of the splits gave a triplet with \`minMargin\` ${r.minMargin}`,
    {
      input: votes.join(', '),
      fix:
        missing !== undefined && leftOut.missingFile.count * 2 > faces
          ? `most images are missing, e.g. ${missing.item} (line ${missing.line}); check the images beside the vote file (or \`imagesDir\`)`
          : 'check the counts, the thresholds (`maxNf`, `maxUnknown`, `minMargin`) and that each split has faces',
    },
  );
}
