import { randomPairDistanceQuantiles, type CalibrationOptions } from './calibration.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import type { ProgressCallback } from '../core/progress.js';
import { loadTripletSplit, sourceRoot, type LoadedTriplets } from '../data/dataset-manifest.js';
import { loadImageFolder } from '../data/image-folder.js';
import { loadLabelsCsv } from '../data/labels-csv.js';
import type { LabelledDataset, SplitName } from '../data/labelled.js';
import type { TripletRow } from '../data/triplet-file.js';
import type { JsonObject } from '../core/types.js';
import type { Embedder } from '../embed/embedders.js';
import {
  pairwiseSquaredDistances,
  retrievalMetrics,
  type RetrievalMetrics,
  type RetrievalOptions,
} from './retrieval.js';
import {
  summariseAccuracy,
  tripletDistancesOf,
  tripletScores,
  type BootstrapOptions,
  type TripletAccuracy,
} from '../embed/triplet-accuracy.js';
import { indexTriplets, KeyIndex } from '../embed/triplet-index.js';
import { DEFAULT_EVAL_OPTIONS } from './defaults.js';

/** A triplet split and, for labelled datasets, the split's labelled images. */
export interface EvalData {
  dir: string;
  split: SplitName;
  rows: TripletRow[];
  resolve: LoadedTriplets['resolve'];
  /** The split's labelled images (labels CSV / folder / fer2013 sources); none for FEC. */
  labelled?: { source: string; key: string; label: string }[];
  /** Why there are no labelled images, when there are none. */
  labelledSkipped?: string;
}

export interface EvalDataOptions {
  /** Default DEFAULT_EVAL_OPTIONS.split. */
  split?: SplitName;
  /** Only the first N triplets; 0 = all. */
  limit?: number;
  /** A labels CSV to take labels from instead of the dataset's own source. */
  labels?: string;
  /** Skip labelled retrieval metrics. */
  noRetrieval?: boolean;
}

async function loadLabelled(
  dir: string,
  t: LoadedTriplets,
  o: EvalDataOptions,
  split: SplitName,
  rows: TripletRow[],
) {
  const out: { source: string; key: string; label: string }[] = [];
  const used = new Set(
    rows.flatMap((r) => [`${r.source}\n${r.a}`, `${r.source}\n${r.p}`, `${r.source}\n${r.n}`]),
  );
  for (const [name, src] of Object.entries(t.manifest.sources)) {
    if (src.kind === 'fec') continue;
    const root = sourceRoot(dir, src);
    let ds: LabelledDataset;
    if (o.labels !== undefined) ds = await loadLabelsCsv(o.labels, { checkFiles: false });
    else if (src.kind === 'image-folder') ds = await loadImageFolder(root);
    else {
      const csv =
        src.kind === 'labels-csv' && existsSync(src.input) ? src.input : join(root, 'labels.csv');
      if (!existsSync(csv)) continue;
      ds = await loadLabelsCsv(csv, { checkFiles: false });
    }
    for (const im of ds.images) {
      const inSplit = ds.hasSplits ? im.split === split : used.has(`${name}\n${im.key}`);
      if (inSplit) out.push({ source: name, key: im.key, label: im.label });
    }
  }
  return out;
}

/** Loads a triplet split (and its labelled images) for evaluation. */
export async function loadEvalData(dir: string, options: EvalDataOptions = {}): Promise<EvalData> {
  const split = options.split ?? DEFAULT_EVAL_OPTIONS.split;
  const t = await loadTripletSplit(dir, split);
  const rows = options.limit ? t.rows.slice(0, options.limit) : t.rows;
  if (rows.length === 0) {
    throw new ExprsimError('E_DATA_EMPTY', `the ${split} split has no triplets`, { input: dir });
  }
  const data: EvalData = { dir, split, rows, resolve: t.resolve };
  if (options.noRetrieval) data.labelledSkipped = 'turned off';
  else {
    const labelled = await loadLabelled(dir, t, options, split, rows);
    if (labelled.length > 1) data.labelled = labelled;
    else data.labelledSkipped = 'no labelled images (FEC triplets have no labels)';
  }
  return data;
}

export interface EvalResult {
  embedder: string;
  info: JsonObject;
  dataset: string;
  split: SplitName;
  triplets: number;
  /** Unique images embedded. */
  images: number;
  dim: number;
  tripletAccuracy: TripletAccuracy;
  retrieval?: RetrievalMetrics;
  retrievalSkipped?: string;
  /** Retrieval ran on part of the split's labelled images (and why). */
  retrievalNote?: string;
  /** Quantiles of random-pair distances among the split's images (when asked for). */
  randomPairDistances?: number[];
  seconds: number;
}

export interface EvaluateOptions {
  bootstrap?: BootstrapOptions;
  retrieval?: RetrievalOptions;
  /** Also summarise distances of random image pairs (a model's calibration.json). */
  calibration?: CalibrationOptions;
  onProgress?: ProgressCallback;
  /**
   * Called once with every embedding computed (the split's triplet images, then its labelled
   * images not in a triplet): for maps of the embeddings. The result does not change.
   */
  onEmbeddings?: (embeddings: EvalEmbeddings) => void | Promise<void>;
  /** Called once with each triplet's score (1 right, 0 wrong, 1/k for a k-way tie), in row order. */
  onScores?: (scores: Float64Array) => void;
}

/** The embeddings an evaluation computed (see EvaluateOptions.onEmbeddings). */
export interface EvalEmbeddings {
  /** The embedder's keys (file paths or feature-cache keys), one per row of `data`. */
  keys: readonly string[];
  /** Flat [keys.length × dim]. */
  data: Float32Array;
  dim: number;
  /** The split's labelled images and the row of `data` holding each one's embedding. */
  labelled?: { source: string; key: string; label: string; row: number }[];
}

/**
 * Scores an embedder on a triplet split: triplet prediction accuracy overall and per type with
 * bootstrap intervals, and for labelled sets precision@k, mAP and k-NN accuracy over the
 * split's images. Every image is embedded once.
 */
export async function evaluateEmbedder(
  embedder: Embedder,
  data: EvalData,
  options: EvaluateOptions = {},
): Promise<EvalResult> {
  const started = performance.now();
  const index = new KeyIndex();
  const keyOf = (source: string, key: string) =>
    embedder.keyFor(source, key, data.resolve(source, key));
  const idx = indexTriplets(data.rows, keyOf, index);
  const tripletImages = index.keys.length;
  // A feature cache holds only the images it was extracted for (often just the triplets'):
  // retrieval then runs over the labelled images it has, and the result says how many it left out.
  const available =
    embedder.has === undefined
      ? data.labelled
      : data.labelled?.filter((im) => embedder.has?.(keyOf(im.source, im.key)) ?? true);
  const leftOut = (data.labelled?.length ?? 0) - (available?.length ?? 0);
  const labelledIdx = available?.map((im) => index.id(keyOf(im.source, im.key)));
  const { data: emb, dim } = await embedder.embed(index.keys, options.onProgress);
  if (options.onEmbeddings !== undefined) {
    await options.onEmbeddings({
      keys: index.keys,
      data: emb,
      dim,
      labelled:
        labelledIdx === undefined
          ? undefined
          : available?.map((im, i) => ({ ...im, row: labelledIdx[i] })),
    });
  }
  const scores = tripletScores(tripletDistancesOf(emb, dim, idx));
  options.onScores?.(scores);
  const result: EvalResult = {
    embedder: embedder.name,
    info: embedder.info,
    dataset: data.dir,
    split: data.split,
    triplets: data.rows.length,
    images: tripletImages,
    dim,
    tripletAccuracy: summariseAccuracy(scores, idx.types, options.bootstrap),
    seconds: 0,
  };
  if (labelledIdx !== undefined && available !== undefined && available.length > 1) {
    const n = labelledIdx.length;
    const sub = new Float32Array(n * dim);
    labelledIdx.forEach((row, i) => sub.set(emb.subarray(row * dim, (row + 1) * dim), i * dim));
    result.retrieval = retrievalMetrics(
      pairwiseSquaredDistances(sub, n, dim),
      available.map((im) => im.label),
      options.retrieval,
    );
    if (leftOut > 0) {
      result.retrievalNote = `${leftOut} of the split's ${data.labelled?.length ?? 0} labelled images have no input (not in the feature cache) and were left out`;
    }
  } else {
    result.retrievalSkipped =
      data.labelledSkipped ?? 'no labelled image of the split is in the feature cache';
  }
  if (options.calibration !== undefined) {
    result.randomPairDistances = randomPairDistanceQuantiles(
      emb,
      tripletImages,
      dim,
      options.calibration,
    );
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
