import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
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
  FERPLUS_EMOTIONS,
  readFerplusVotes,
  type FerplusFace,
  type FerplusLayout,
  type Tally,
} from './ferplus-votes.js';
import {
  majorityOf,
  sampleGradedTriplets,
  type GradedFace,
  type GradedPartStats,
} from './graded-triplets.js';
import { SPLITS, tally, type SplitName } from './labelled.js';
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
  onProgress?: ProgressCallback;
}

/** Why a face with valid votes is not used. */
export const FERPLUS_LEFT_OUT = ['nf', 'unknown', 'noVotes', 'missingFile'] as const;
export type FerplusLeftOut = (typeof FERPLUS_LEFT_OUT)[number];

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

export interface FerplusFileSummary {
  file: string;
  layout: FerplusLayout;
  rows: number;
  faces: number;
  skipped: Tally;
  droppedByFerplus: Tally;
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

/** The deepest folder holding all of `dirs` (absolute). */
export function commonDir(dirs: readonly string[]): string {
  let parts = resolve(dirs[0]).split(sep);
  for (const d of dirs.slice(1)) {
    const q = resolve(d).split(sep);
    let i = 0;
    while (i < parts.length && i < q.length && parts[i] === q[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join(sep) || sep;
}

/** Which of `paths` are files: synchronous stats in batches (see labels-csv.ts's dropMissing). */
async function filesExist(
  paths: readonly string[],
  onProgress?: ProgressCallback,
): Promise<boolean[]> {
  const out = new Array<boolean>(paths.length);
  for (let start = 0; start < paths.length; start += 2000) {
    const end = Math.min(paths.length, start + 2000);
    for (let i = start; i < end; i++)
      out[i] = statSync(paths[i], { throwIfNoEntry: false })?.isFile() ?? false;
    onProgress?.({ done: end, total: paths.length, label: 'check files' });
    await new Promise((r) => setImmediate(r));
  }
  return out;
}

/** The reason a face's votes make it unusable, if any (checked in this order). */
function voteProblem(
  f: FerplusFace,
  r: Resolved,
): { reason: FerplusLeftOut; why: string } | undefined {
  const votes = (n: number, what: string, max: number) =>
    `${n} "${what}" vote${n === 1 ? '' : 's'} (at most ${max} kept)`;
  if (f.nf > r.maxNf) return { reason: 'nf', why: votes(f.nf, 'not a face', r.maxNf) };
  if (f.unknown > r.maxUnknown)
    return { reason: 'unknown', why: votes(f.unknown, 'unknown', r.maxUnknown) };
  if (f.counts.every((c) => c === 0)) return { reason: 'noVotes', why: 'no emotion votes' };
  return undefined;
}

const emptyTally = (): Tally => ({ count: 0, first: [] });
const zeroLeftOut = () =>
  Object.fromEntries(FERPLUS_LEFT_OUT.map((k) => [k, 0])) as Record<FerplusLeftOut, number>;

/**
 * FER+ vote files -> graded triplet files and dataset.json, in the format of the label and FEC
 * triplets. Splits come from the votes (Training → train, PublicTest → val, PrivateTest → test);
 * a split the votes do not have is not written. Faces are left out, and counted by reason, when
 * they have more NF or unknown votes than `maxNf` / `maxUnknown`, no emotion votes, or no image
 * file. Each split's triplets are sampled by sampleGradedTriplets (graded-triplets.ts has the
 * rule) with seeds derived from `seed` and the split, and shuffled (one-class and mixed rows
 * interleaved, so a prefix of the file has both). Keys are the image paths relative to the vote
 * file's folder (several files: their deepest common folder). A run that would write no
 * triplet at all is E_DATA_EMPTY, and nothing is written.
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
  const root = commonDir([
    ...votes.map((v) => dirname(v)),
    ...(options.imagesDir !== undefined ? [options.imagesDir] : []),
  ]);
  const files: FerplusFileSummary[] = [];
  const all: FerplusFace[] = [];
  const seen = new Map<string, string>();
  for (const file of votes) {
    options.onProgress?.({ done: files.length, total: votes.length, label: 'read votes' });
    const v = await readFerplusVotes(file, {
      root,
      split: options.split,
      imagesDir: options.imagesDir,
    });
    for (const f of v.faces) {
      const first = seen.get(f.key);
      if (first !== undefined) {
        tally(v.skipped, {
          line: f.line,
          item: f.key,
          reason: `image listed again (first in ${first})`,
        });
        continue;
      }
      seen.set(f.key, file);
      all.push(f);
    }
    files.push({
      file,
      layout: v.layout,
      rows: v.rows,
      faces: v.faces.length,
      skipped: v.skipped,
      droppedByFerplus: v.droppedByFerplus,
    });
  }

  const leftOut = Object.fromEntries(FERPLUS_LEFT_OUT.map((k) => [k, emptyTally()])) as Record<
    FerplusLeftOut,
    Tally
  >;
  const perSplit = new Map<
    SplitName,
    { faces: number; leftOut: Record<FerplusLeftOut, number>; usable: FerplusFace[] }
  >();
  for (const s of SPLITS) perSplit.set(s, { faces: 0, leftOut: zeroLeftOut(), usable: [] });
  const voted: FerplusFace[] = [];
  for (const f of all) {
    const s = perSplit.get(f.split)!;
    s.faces++;
    const p = voteProblem(f, r);
    if (p === undefined) voted.push(f);
    else {
      s.leftOut[p.reason]++;
      tally(leftOut[p.reason], { line: f.line, item: f.key, reason: p.why });
    }
  }
  const exists = await filesExist(
    voted.map((f) => join(root, f.key)),
    options.onProgress,
  );
  voted.forEach((f, i) => {
    const s = perSplit.get(f.split)!;
    if (exists[i]) s.usable.push(f);
    else {
      s.leftOut.missingFile++;
      tally(leftOut.missingFile, { line: f.line, item: f.key, reason: 'no such file' });
    }
  });

  const rowsBySplit = new Map<SplitName, TripletRow[]>();
  const splits: Partial<Record<SplitName, FerplusSplitCounts>> = {};
  for (const s of SPLITS) {
    const p = perSplit.get(s)!;
    if (p.faces === 0 || r.counts[s] === 0) continue;
    options.onProgress?.({ done: 0, total: r.counts[s], label: `sample ${s}` });
    const faces: GradedFace[] = p.usable
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
    rowsBySplit.set(s, shuffle(g.rows, mulberry32(deriveSeed(r.seed, `${s}:order`))));
    const classes: Record<string, number> = {};
    for (const e of [...FERPLUS_EMOTIONS, 'tied']) classes[e] = 0;
    for (const f of faces) classes[f.majority < 0 ? 'tied' : FERPLUS_EMOTIONS[f.majority]]++;
    splits[s] = {
      faces: p.faces,
      usable: faces.length,
      leftOut: p.leftOut,
      classes,
      requested: r.counts[s],
      written: g.rows.length,
      types: g.types,
      oneClass: g.oneClass,
      mixed: g.mixed,
    };
    options.onProgress?.({ done: r.counts[s], total: r.counts[s], label: `sample ${s}` });
  }
  const total = [...rowsBySplit.values()].reduce((n, rows) => n + rows.length, 0);
  if (total === 0) throw nothingWritten(votes, all.length, leftOut, r);

  await mkdir(options.outDir, { recursive: true });
  const manifestSplits: Partial<Record<SplitName, DatasetSplit>> = {};
  const counts: Partial<Record<SplitName, number>> = {};
  for (const [s, rows] of rowsBySplit) {
    const file = `${s}.jsonl`;
    await writeTripletFile(join(options.outDir, file), rows);
    counts[s] = rows.length;
    const c = splits[s]!;
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
  const manifest = await writeDatasetManifest(options.outDir, {
    sources: {
      [r.sourceName]: makeSource(options.outDir, 'ferplus-votes', votes[0], root, {
        files: files.map((f) => ({
          file: f.file,
          layout: f.layout,
          rows: f.rows,
          faces: f.faces,
          skipped: f.skipped,
          droppedByFerplus: f.droppedByFerplus,
        })),
        leftOut,
      }),
    },
    seed: r.seed,
    options: {
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
    },
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
