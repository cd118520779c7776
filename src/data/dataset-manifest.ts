import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { packageVersion } from '../core/paths.js';
import { writeFileAtomic } from '../core/fs.js';
import type { SplitName } from './labelled.js';
import { readTripletFile, type TripletRow } from './triplet-file.js';

/** The manifest's file name, beside the triplet files. */
export const DATASET_MANIFEST = 'dataset.json';
export const DATASET_FORMAT = 'exprsim-triplets';
export const DATASET_VERSION = 1;

export interface DatasetSource {
  kind: 'labels-csv' | 'image-folder' | 'fer2013-csv' | 'fec' | 'ferplus-votes';
  /** The input as given (CSV or folder), absolute. */
  input: string;
  /** Absolute directory the image keys of this source are relative to. */
  root: string;
  /** `root` relative to the manifest's folder, tried first so the pair can move together. */
  rootFromManifest: string;
  /** Counts and notes from loading: images, skipped, missing, per-label counts… */
  stats: Record<string, unknown>;
}

export interface DatasetSplit {
  file: string;
  count: number;
  requested?: number;
  seed?: number;
  /** Images available to this split. */
  images?: number;
  /** Per-label image counts (label-made triplets). */
  labels?: Record<string, number>;
  [key: string]: unknown;
}

/**
 * `dataset.json`, written atomically beside the triplet files and after them (so its presence
 * means the set is complete): what went in (sources with their roots), how (seed, options) and
 * what came out (per-split files and counts), enough to rebuild the same files.
 */
export interface DatasetManifest {
  format: typeof DATASET_FORMAT;
  version: typeof DATASET_VERSION;
  tool: string;
  createdAt: string;
  sources: Record<string, DatasetSource>;
  seed?: number;
  options: Record<string, unknown>;
  splits: Partial<Record<SplitName, DatasetSplit>>;
}

/** A source entry with both root forms filled in. */
export function makeSource(
  outDir: string,
  kind: DatasetSource['kind'],
  input: string,
  root: string,
  stats: Record<string, unknown>,
): DatasetSource {
  const abs = resolve(root);
  return {
    kind,
    input: resolve(input),
    root: abs,
    rootFromManifest: relative(resolve(outDir), abs) || '.',
    stats,
  };
}

export async function writeDatasetManifest(
  outDir: string,
  m: Omit<DatasetManifest, 'format' | 'version' | 'tool' | 'createdAt'>,
): Promise<DatasetManifest> {
  const full: DatasetManifest = {
    format: DATASET_FORMAT,
    version: DATASET_VERSION,
    tool: `exprsim ${packageVersion()}`,
    createdAt: new Date().toISOString(),
    ...m,
  };
  await writeFileAtomic(join(outDir, DATASET_MANIFEST), `${JSON.stringify(full, null, 2)}\n`);
  return full;
}

export async function readDatasetManifest(dir: string): Promise<DatasetManifest> {
  const path = join(dir, DATASET_MANIFEST);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ExprsimError('E_FILE_NOT_FOUND', 'no dataset manifest', {
      input: path,
      fix: 'pass a folder written by `exprsim data triplets` or `exprsim data fec-triplets`',
      cause: e,
    });
  }
  let m: DatasetManifest;
  try {
    m = JSON.parse(text) as DatasetManifest;
  } catch (e) {
    throw new ExprsimError('E_DATA_FORMAT', 'the dataset manifest is not JSON', {
      input: path,
      cause: e,
    });
  }
  if (m.format !== DATASET_FORMAT || m.version !== DATASET_VERSION) {
    throw new ExprsimError(
      'E_DATA_FORMAT',
      `not an ${DATASET_FORMAT} v${DATASET_VERSION} manifest`,
      {
        input: path,
        fix: 'rebuild the triplets with this version of exprsim',
      },
    );
  }
  return m;
}

/**
 * The directory a source's keys resolve against: its root relative to the manifest if that
 * exists (the output and data were moved together), else the absolute root.
 */
export function sourceRoot(manifestDir: string, source: DatasetSource): string {
  const rel = resolve(manifestDir, source.rootFromManifest);
  return existsSync(rel) ? rel : source.root;
}

export interface LoadedTriplets {
  manifest: DatasetManifest;
  rows: TripletRow[];
  /** The file path of an image key of a source. */
  resolve: (source: string, key: string) => string;
}

/** Reads one split of a triplet dataset with a resolver from image keys to files. */
export async function loadTripletSplit(dir: string, split: SplitName): Promise<LoadedTriplets> {
  const manifest = await readDatasetManifest(dir);
  const entry = manifest.splits[split];
  if (entry === undefined) {
    throw new ExprsimError('E_BAD_OPTION', `the dataset has no ${split} split`, {
      input: join(dir, DATASET_MANIFEST),
      fix: `use one of ${Object.keys(manifest.splits).join(', ')}`,
    });
  }
  const rows = await readTripletFile(join(dir, entry.file));
  const roots = new Map<string, string>();
  for (const [name, s] of Object.entries(manifest.sources)) roots.set(name, sourceRoot(dir, s));
  return {
    manifest,
    rows,
    resolve: (source, key) => {
      const root = roots.get(source);
      if (root === undefined) {
        throw new ExprsimError(
          'E_DATA_FORMAT',
          `triplet source ${JSON.stringify(source)} is not in the manifest`,
          {
            input: join(dir, DATASET_MANIFEST),
          },
        );
      }
      return isAbsolute(key) ? key : join(root, key);
    },
  };
}
