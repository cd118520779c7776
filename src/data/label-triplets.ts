import { basename, join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import {
  makeSource,
  writeDatasetManifest,
  type DatasetManifest,
  type DatasetSplit,
} from './dataset-manifest.js';
import { countByLabel, SPLITS, type LabelledDataset, type SplitName } from './labelled.js';
import { deriveSeed, mulberry32, requireSeed } from '../core/prng.js';
import { sampleLabelTriplets } from './sample-triplets.js';
import { assignSplits } from './split-assign.js';
import { prepareTripletDir } from './out-dir.js';
import { writeTripletFile, type TripletRow } from './triplet-file.js';
import { DEFAULT_LABEL_TRIPLETS as D } from './defaults.js';

export interface LabelTripletOptions {
  outDir: string;
  counts?: Partial<Record<SplitName, number>>;
  seed?: number;
  subjectDisjoint?: boolean;
  /** Anchor and positive from different subjects (needs a subject column). Default false. */
  crossSubject?: boolean;
  /** Used when the dataset has no splits; default 0.8, 0.1, 0.1. */
  splitRatios?: readonly [number, number, number];
  /** The source name in rows and manifest. Default: the dataset folder's name. */
  sourceName?: string;
  /** Extra manifest notes, e.g. how a fer2013.csv was extracted. */
  sourceKind?: 'labels-csv' | 'image-folder' | 'fer2013-csv';
  sourceInput?: string;
  sourceStats?: Record<string, unknown>;
  /** Replace the triplet set already in `outDir` (default false: E_BAD_OPTION). */
  overwrite?: boolean;
}

export interface LabelTripletsResult {
  manifest: DatasetManifest;
  manifestPath: string;
  counts: Record<SplitName, number>;
}

/** A source name from a path: letters, digits, dot, dash, underscore. */
export function sourceNameFor(path: string): string {
  return basename(path).replace(/[^A-Za-z0-9._-]+/g, '-') || 'labels';
}

/**
 * Splits a labelled dataset, samples two-class triplets per split (each split with its own seed
 * derived from `seed` and the split name), and writes `<outDir>/{train,val,test}.jsonl` and the
 * manifest `dataset.json` (last). A split without images is written as an empty file and noted.
 * A run that would write no triplet at all is E_DATA_EMPTY and writes nothing; a folder holding
 * a triplet set already is refused unless `overwrite` (prepareTripletDir).
 */
export async function writeLabelTriplets(
  ds: LabelledDataset,
  options: LabelTripletOptions,
): Promise<LabelTripletsResult> {
  const seed = requireSeed(options.seed ?? D.seed);
  const counts: Record<SplitName, number> = { ...D.counts, ...options.counts };
  for (const s of SPLITS) {
    if (!Number.isInteger(counts[s]) || counts[s] < 0) {
      throw new ExprsimError(
        'E_BAD_OPTION',
        `the ${s} triplet count must be a whole number >= 0, got ${String(counts[s])}`,
        {
          input: `${s}=${String(counts[s])}`,
        },
      );
    }
  }
  const source = options.sourceName ?? sourceNameFor(ds.root);
  const assigned = assignSplits(ds.images, {
    seed: deriveSeed(seed, 'splits'),
    ratios: options.splitRatios,
    subjectDisjoint: options.subjectDisjoint,
  });
  const splits: Partial<Record<SplitName, DatasetSplit>> = {};
  const written: Record<SplitName, number> = { train: 0, val: 0, test: 0 };
  const rowsBySplit: Partial<Record<SplitName, TripletRow[]>> = {};
  for (const s of SPLITS) {
    const images = assigned.splits[s];
    const splitSeed = deriveSeed(seed, s);
    const file = `${s}.jsonl`;
    const want = images.length === 0 ? 0 : counts[s];
    const r = sampleLabelTriplets(images, {
      count: want,
      rng: mulberry32(splitSeed),
      source,
      crossSubject: options.crossSubject,
    });
    rowsBySplit[s] = r.rows;
    written[s] = r.rows.length;
    splits[s] = {
      file,
      count: r.rows.length,
      requested: counts[s],
      seed: splitSeed,
      images: images.length,
      labels: countByLabel(images),
      possible: r.possible,
      shortfall: counts[s] - r.rows.length,
      ...(images.length === 0 ? { note: 'no images in this split' } : {}),
    };
  }
  const requested = SPLITS.reduce((n, s) => n + counts[s], 0);
  if (requested > 0 && SPLITS.every((s) => written[s] === 0)) throw noTriplets(ds, splits);
  await prepareTripletDir(options.outDir, options.overwrite);
  for (const s of SPLITS) {
    await writeTripletFile(join(options.outDir, `${s}.jsonl`), rowsBySplit[s] ?? []);
  }
  const manifest = await writeDatasetManifest(options.outDir, {
    sources: {
      [source]: makeSource(
        options.outDir,
        options.sourceKind ?? ds.kind,
        options.sourceInput ?? ds.input,
        ds.root,
        {
          images: ds.images.length,
          labels: countByLabel(ds.images),
          skipped: ds.skipped,
          missing: ds.missing,
          splitsFrom: assigned.how,
          droppedForSubjectOverlap: assigned.droppedForSubjectOverlap,
          ...(ds.ignoredColumns !== undefined ? { ignoredColumns: ds.ignoredColumns } : {}),
          ...options.sourceStats,
        },
      ),
    },
    seed,
    options: {
      counts,
      subjectDisjoint: options.subjectDisjoint ?? D.subjectDisjoint,
      ...(options.crossSubject === true ? { crossSubject: true } : {}),
      splitRatios: assigned.how === 'random' ? (options.splitRatios ?? D.splitRatios) : undefined,
      sampling:
        'two-class; label pair uniform over ordered pairs, images uniform within labels; distinct triplets',
      splitSeeds: 'deriveSeed(seed, split) with mulberry32',
    },
    splits,
  });
  return { manifest, manifestPath: join(options.outDir, 'dataset.json'), counts: written };
}

/** No split gave a triplet: say what the images were short of. */
function noTriplets(
  ds: LabelledDataset,
  splits: Partial<Record<SplitName, DatasetSplit>>,
): ExprsimError {
  const per = SPLITS.map((s) => {
    const labels = Object.keys(splits[s]?.labels ?? {}).length;
    return `${s} ${splits[s]?.images ?? 0} images of ${labels} label${labels === 1 ? '' : 's'}`;
  }).join(', ');
  return new ExprsimError('E_DATA_EMPTY', `no triplets: ${per}`, {
    input: ds.input,
    fix: 'a split needs two labels, one of them with two images or more (with `crossSubject`, from two subjects); check the labels and `splitRatios`',
  });
}
