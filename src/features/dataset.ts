import { stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { existsSync } from 'node:fs';
import { ExprsimError } from '../core/errors.js';
import { walkImageFiles } from '../image/walk-files.js';
import { DATASET_MANIFEST, readDatasetManifest, sourceRoot } from '../data/dataset-manifest.js';
import { keyPath, loadLabelsCsv } from '../data/labels-csv.js';
import { sourceNameFor } from '../data/label-triplets.js';
import { readTripletFile } from '../data/triplet-file.js';

/** One face image to extract: its cache key, file and source. */
export interface FeatureItem {
  /** The image key (path relative to its source root, forward slashes). */
  key: string;
  /** The file to read. */
  path: string;
  /** Name of the source (dataset.json's source name, or the CSV's / folder's name). */
  source: string;
}

/** The images of a DATASET argument, with where they came from. */
export interface FeatureDataset {
  kind: 'labels-csv' | 'image-folder' | 'triplets';
  input: string;
  /** Source name → absolute root its keys are relative to. */
  sources: Record<string, string>;
  /** Unique images, sorted by (source, key). */
  items: FeatureItem[];
  /** Rows or files left out (bad rows, missing files), with why: count and the first few. */
  skipped: { count: number; first: { item: string; reason: string }[] };
}

const KEEP = 10;

/** Keys of the images under `root`: paths relative to it with '/' separators. */
async function listImages(root: string): Promise<string[]> {
  const { files } = await walkImageFiles(root);
  return files.map((p) => relative(root, p).split(sep).join('/'));
}

const byKey = (a: FeatureItem, b: FeatureItem) =>
  a.source < b.source ? -1 : a.source > b.source ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;

/**
 * Resolves the DATASET of `exprsim features`: a labels CSV (path,label[,split]), a folder of
 * images (every .jpg/.jpeg/.png/.webp below it, keys relative to it), or a triplet dataset folder
 * (dataset.json from `exprsim data triplets` / `fec-triplets`: every image any split uses).
 * Throws E_FILE_NOT_FOUND, E_DATA_FORMAT or E_DATA_EMPTY.
 */
export async function resolveFeatureDataset(input: string): Promise<FeatureDataset> {
  const abs = resolve(input);
  let st;
  try {
    st = await stat(abs);
  } catch (e) {
    throw new ExprsimError('E_FILE_NOT_FOUND', 'no such file or folder', {
      input,
      fix: 'pass a labels CSV, an image folder or a triplet dataset folder (dataset.json)',
      cause: e,
    });
  }
  const skipped: FeatureDataset['skipped'] = { count: 0, first: [] };
  const skip = (item: string, reason: string) => {
    skipped.count++;
    if (skipped.first.length < KEEP) skipped.first.push({ item, reason });
  };
  let ds: FeatureDataset;
  if (st.isFile()) {
    const labels = await loadLabelsCsv(abs);
    const source = sourceNameFor(labels.root);
    for (const s of labels.skipped.first) skip(s.item, s.reason);
    for (const s of labels.missing.first) skip(s.item, s.reason);
    skipped.count = labels.skipped.count + labels.missing.count;
    ds = {
      kind: 'labels-csv',
      input: abs,
      sources: { [source]: labels.root },
      items: labels.images.map((im) => ({
        key: im.key,
        path: keyPath(labels.root, im.key),
        source,
      })),
      skipped,
    };
  } else if (existsSync(join(abs, DATASET_MANIFEST))) {
    const manifest = await readDatasetManifest(abs);
    const sources: Record<string, string> = {};
    for (const [name, s] of Object.entries(manifest.sources)) sources[name] = sourceRoot(abs, s);
    const seen = new Map<string, FeatureItem>();
    for (const split of Object.values(manifest.splits)) {
      if (split === undefined) continue;
      for (const row of await readTripletFile(join(abs, split.file))) {
        const root = sources[row.source];
        if (root === undefined) {
          skip(`${split.file}: ${row.source}`, 'source not in dataset.json');
          continue;
        }
        for (const key of [row.a, row.p, row.n]) {
          const id = `${row.source}\n${key}`;
          if (!seen.has(id)) seen.set(id, { key, path: keyPath(root, key), source: row.source });
        }
      }
    }
    ds = { kind: 'triplets', input: abs, sources, items: [...seen.values()], skipped };
  } else {
    const source = sourceNameFor(abs);
    const keys = await listImages(abs);
    ds = {
      kind: 'image-folder',
      input: abs,
      sources: { [source]: abs },
      items: keys.map((key) => ({ key, path: join(abs, key), source })),
      skipped,
    };
  }
  ds.items.sort(byKey);
  if (ds.items.length === 0) {
    throw new ExprsimError('E_DATA_EMPTY', 'no images found', {
      input,
      fix: 'pass a labels CSV, an image folder or a triplet dataset folder with images in it',
    });
  }
  return ds;
}
