import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import type { ProgressCallback } from '../core/progress.js';
import { extractFer2013 } from './fer2013-csv.js';
import { loadImageFolder } from './image-folder.js';
import {
  sourceNameFor,
  writeLabelTriplets,
  type LabelTripletOptions,
  type LabelTripletsResult,
} from './label-triplets.js';
import { loadLabelsCsv } from './labels-csv.js';
import type { LabelledDataset } from './labelled.js';
import { checkTripletDir } from './out-dir.js';

/** Where a labelled dataset comes from: exactly one of `labels`, `folder`, `fer2013`. */
export interface LabelledSourceOptions {
  /** A labels CSV: path,label[,split|usage][,subject], paths relative to the CSV. */
  labels?: string;
  /** An image folder: <label>/<image> (or <split>/<label>/<image>). */
  folder?: string;
  /** The original Kaggle fer2013.csv; its faces are extracted to `extractDir` first. */
  fer2013?: string;
  /** Where fer2013.csv's faces are written (needed with `fer2013`). */
  extractDir?: string;
  /** Fail when a labels CSV lists a missing image, instead of skipping and counting it. */
  requireFiles?: boolean;
  onProgress?: ProgressCallback;
}

export interface LabelledSource {
  dataset: LabelledDataset;
  kind: 'labels-csv' | 'image-folder' | 'fer2013-csv';
  /** The CSV or folder given. */
  input: string;
  /** Notes for the manifest (a fer2013.csv's extraction). */
  stats: Record<string, unknown>;
}

/**
 * Loads a labelled dataset from a labels CSV, an image folder or fer2013.csv (extracted to a
 * labels-CSV dataset first, whose files must all exist). E_BAD_OPTION unless exactly one is given.
 */
export async function loadLabelledSource(options: LabelledSourceOptions): Promise<LabelledSource> {
  const { labels, folder, fer2013, onProgress } = options;
  const given = [labels, folder, fer2013].filter((x) => x !== undefined);
  if (given.length !== 1) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `pass exactly one of \`labels\`, \`folder\`, \`fer2013\` (got ${given.length})`,
      { fix: 'e.g. `labels` ../shared/data/fer2013/labels.csv', option: 'labels' },
    );
  }
  if (labels !== undefined) {
    const dataset = await loadLabelsCsv(labels, { requireFiles: options.requireFiles, onProgress });
    return { dataset, kind: 'labels-csv', input: labels, stats: {} };
  }
  if (folder !== undefined) {
    return {
      dataset: await loadImageFolder(folder),
      kind: 'image-folder',
      input: folder,
      stats: {},
    };
  }
  const fer = fer2013 as string;
  if (options.extractDir === undefined) {
    throw new ExprsimError('E_BAD_OPTION', '`fer2013` needs an `extractDir` for its faces', {
      input: fer,
      option: 'extractDir',
    });
  }
  const x = await extractFer2013(fer, options.extractDir, { onProgress });
  const dataset = await loadLabelsCsv(x.labelsCsv, { requireFiles: true, onProgress });
  return {
    dataset,
    kind: 'fer2013-csv',
    input: fer,
    stats: { extractedTo: dataset.root, faces: x.faces, rowsSkipped: x.skipped },
  };
}

export type TripletsOptions = Omit<LabelledSourceOptions, 'extractDir'> &
  Omit<LabelTripletOptions, 'sourceKind' | 'sourceInput' | 'sourceStats'>;

export interface TripletsResult extends LabelTripletsResult {
  source: LabelledSource;
}

/**
 * A labelled dataset (see loadLabelledSource) -> two-class triplet files per split and
 * dataset.json in `outDir` (see writeLabelTriplets). fer2013.csv's faces go to
 * `<outDir>/fer2013-images`; the source is named after the dataset folder, or 'fer2013'. An
 * `outDir` that is a file, or holds a triplet set and no `overwrite`, is refused before loading.
 */
export async function writeTriplets(options: TripletsOptions): Promise<TripletsResult> {
  await checkTripletDir(options.outDir, options.overwrite);
  const source = await loadLabelledSource({
    ...options,
    extractDir: join(options.outDir, 'fer2013-images'),
  });
  const r = await writeLabelTriplets(source.dataset, {
    outDir: options.outDir,
    counts: options.counts,
    seed: options.seed,
    subjectDisjoint: options.subjectDisjoint,
    crossSubject: options.crossSubject,
    splitRatios: options.splitRatios,
    sourceName:
      options.sourceName ??
      sourceNameFor(source.kind === 'fer2013-csv' ? 'fer2013' : source.dataset.root),
    sourceKind: source.kind,
    sourceInput: source.input,
    sourceStats: source.stats,
    overwrite: options.overwrite,
  });
  return { ...r, source };
}
