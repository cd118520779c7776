/**
 * Comparing two faces: their embedding distance and a calibrated similarity, the percentile of
 * that distance among random pairs of faces. Random-pair distances come from the model folder's
 * `calibration.json` ({ "randomPairDistances": number[] sorted ascending }) when it has one, else
 * from random pairs of faces in a store (when it holds at least MIN_STORE_FACES of the model),
 * else the percentile is reported as unavailable, with the reason.
 */
import { ExprsimError } from '../core/errors.js';
import { joinPath, readTextFile } from '../core/files.js';
import { randomPairDistanceQuantiles, similarityPercentile } from '../eval/calibration.js';
import type { FaceStore } from './types.js';
import { euclidean } from './vectors.js';

/** The file in a model folder holding its random-pair distances. */
export const CALIBRATION_FILE = 'calibration.json';
/** A store needs this many faces (of the model) to calibrate from. */
export const MIN_STORE_FACES = 50;
/** Random pairs drawn from a store (as `exprsim eval --calibration-out` draws them). */
export const STORE_CALIBRATION_PAIRS = 20_000;
/** Faces sampled from a store to draw them from. */
const STORE_SAMPLE = 5_000;

export interface Calibration {
  source: 'model' | 'store';
  /** The calibration file, or the store location. */
  origin: string;
  /**
   * Random-pair distances, ascending: a sample or evenly spaced quantiles of it (min to max),
   * which is what `exprsim eval --calibration-out` writes.
   */
  distances: number[];
}

export type CalibrationResult = Calibration | { source: 'none'; reason: string };

export interface CalibrationSourceOptions {
  /** A model folder that may hold calibration.json. */
  modelDir?: string;
  /** A store to draw random pairs from when the model has no calibration. */
  store?: FaceStore;
  /** The model version whose faces to pair (default every face in the store). */
  model?: string;
}

/** Reads `<modelDir>/calibration.json`; undefined when absent, E_MODEL_FORMAT when malformed. */
export async function readModelCalibration(modelDir: string): Promise<Calibration | undefined> {
  const file = joinPath(modelDir, CALIBRATION_FILE);
  let text: string;
  try {
    text = await readTextFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ExprsimError('E_IO', `cannot read the calibration: ${(e as Error).message}`, {
      input: file,
      cause: e,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ExprsimError('E_MODEL_FORMAT', 'calibration.json is not valid JSON', {
      input: file,
      fix: 'write it again, or delete it to calibrate from the store',
      cause: e,
    });
  }
  const d = (value as { randomPairDistances?: unknown } | null)?.randomPairDistances;
  if (
    !Array.isArray(d) ||
    d.length === 0 ||
    !d.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)
  ) {
    throw new ExprsimError(
      'E_MODEL_FORMAT',
      'calibration.json needs "randomPairDistances": a non-empty array of distances ≥ 0',
      { input: file, fix: 'write it again, or delete it to calibrate from the store' },
    );
  }
  const distances = (d as number[]).slice().sort((x, y) => x - y);
  return { source: 'model', origin: file, distances };
}

/** Random-pair distances from a store's faces (deterministic for a given store content). */
export async function storeCalibration(
  store: FaceStore,
  model?: string,
): Promise<CalibrationResult> {
  const sample = await store.sampleEmbeddings(STORE_SAMPLE, { model });
  if (sample.length < MIN_STORE_FACES) {
    return {
      source: 'none',
      reason: `the index holds ${sample.length} face${sample.length === 1 ? '' : 's'}${model ? ` of model ${model}` : ''}; calibration needs at least ${MIN_STORE_FACES} (or a ${CALIBRATION_FILE} in the model folder)`,
    };
  }
  const dim = sample[0].length;
  const emb = new Float32Array(sample.length * dim);
  sample.forEach((v, i) => emb.set(v, i * dim));
  const distances = randomPairDistanceQuantiles(emb, sample.length, dim, {
    pairs: STORE_CALIBRATION_PAIRS,
  });
  return { source: 'store', origin: store.location, distances };
}

/** The model's calibration, else the store's, else why there is none. */
export async function resolveCalibration(
  options: CalibrationSourceOptions = {},
): Promise<CalibrationResult> {
  if (options.modelDir !== undefined) {
    const c = await readModelCalibration(options.modelDir);
    if (c !== undefined) return c;
  }
  if (options.store !== undefined) return storeCalibration(options.store, options.model);
  return {
    source: 'none',
    reason:
      options.modelDir === undefined
        ? 'no model folder or face index to calibrate with'
        : `the model has no ${CALIBRATION_FILE} and no face index was given to calibrate from`,
  };
}

/**
 * The percentage of random pairs closer than `distance` (0 = closer than every random pair, 100 =
 * farther apart than all of them), interpolating linearly between the sorted distances.
 */
export function distancePercentile(distance: number, sorted: readonly number[]): number {
  return 100 * (1 - similarityPercentile(distance, sorted));
}

export interface FaceComparison {
  /** Euclidean distance between the embeddings (0..2 for unit vectors). */
  distance: number;
  /**
   * Percentage of random face pairs that are closer than this pair (low = unusually alike), or
   * null when no calibration is available.
   */
  percentile: number | null;
  /** 1 − percentile/100: the share of random pairs farther apart (high = alike), or null. */
  similarity: number | null;
  calibration:
    | { source: 'model' | 'store'; origin: string; pairs: number }
    | { source: 'none'; reason: string };
}

/**
 * Distance and calibrated similarity of two embeddings. Pass `calibration` (from
 * {@link resolveCalibration}) to reuse one across calls; otherwise it is resolved from
 * `modelDir` / `store` / `model` each call.
 */
export async function compareFaces(
  a: Float32Array,
  b: Float32Array,
  options: CalibrationSourceOptions & { calibration?: CalibrationResult } = {},
): Promise<FaceComparison> {
  const distance = euclidean(a, b);
  const cal = options.calibration ?? (await resolveCalibration(options));
  if (cal.source === 'none') {
    return {
      distance,
      percentile: null,
      similarity: null,
      calibration: { source: 'none', reason: cal.reason },
    };
  }
  const similarity = similarityPercentile(distance, cal.distances);
  return {
    distance,
    percentile: 100 * (1 - similarity),
    similarity,
    calibration: { source: cal.source, origin: cal.origin, pairs: cal.distances.length },
  };
}
