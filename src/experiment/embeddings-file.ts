import { readFile } from 'node:fs/promises';
import { ExprsimError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { deriveSeed, mulberry32, shuffle } from '../core/prng.js';

/**
 * A run's embeddings file. The experiment runner stores, after evaluating a run,
 * `embeddings-<split>.json`: the embeddings of (a seeded sample of) the split's labelled images
 * with their labels, which the report draws as a 2-D map (report/embedding-map.ts).
 */

export const EMBEDDINGS_FORMAT = 'exprsim-embeddings';
export const EMBEDDINGS_VERSION = 1;
/** Images stored per run by default. */
export const DEFAULT_MAP_IMAGES = 1500;

export interface EmbeddingsFile {
  format: typeof EMBEDDINGS_FORMAT;
  version: number;
  split: string;
  dim: number;
  /** Labelled images in the split; `labels.length` of them were sampled. */
  labelledImages: number;
  /** Seed of the sample. */
  seed: number;
  /** Per stored image: its label, its key (`source/key`) and its embedding. */
  labels: string[];
  keys: string[];
  vectors: number[][];
}

/**
 * Which of `n` items to keep, at most `max`, as a seeded sample in their original order (all of
 * them when n ≤ max).
 */
export function sampleIndices(n: number, max: number, seed: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= max) return all;
  return shuffle(all, mulberry32(deriveSeed(seed, 'embedding-map')))
    .slice(0, max)
    .sort((a, b) => a - b);
}

/** Writes an embeddings file (atomically); vectors are rounded to 6 decimals. */
export async function writeEmbeddingsFile(
  path: string,
  e: Omit<EmbeddingsFile, 'format' | 'version'>,
): Promise<void> {
  const body: EmbeddingsFile = {
    format: EMBEDDINGS_FORMAT,
    version: EMBEDDINGS_VERSION,
    ...e,
    vectors: e.vectors.map((v) => v.map((x) => Math.round(x * 1e6) / 1e6)),
  };
  await writeFileAtomic(path, `${JSON.stringify(body)}\n`);
}

/** Reads and checks an embeddings file (E_DATA_FORMAT naming the file). */
export async function readEmbeddingsFile(path: string): Promise<EmbeddingsFile> {
  const bad = (why: string) =>
    new ExprsimError('E_DATA_FORMAT', `not an ${EMBEDDINGS_FORMAT} file: ${why}`, {
      input: path,
      fix: 'delete it; `exprsim experiment` writes it again after evaluating the run',
    });
  let v: Partial<EmbeddingsFile>;
  try {
    v = JSON.parse(await readFile(path, 'utf8')) as Partial<EmbeddingsFile>;
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (v.format !== EMBEDDINGS_FORMAT || v.version !== EMBEDDINGS_VERSION) throw bad('format');
  const { labels, keys, vectors, dim } = v;
  if (
    !Array.isArray(labels) ||
    !Array.isArray(keys) ||
    !Array.isArray(vectors) ||
    typeof dim !== 'number' ||
    labels.length !== vectors.length ||
    keys.length !== vectors.length ||
    vectors.some((x) => !Array.isArray(x) || x.length !== dim)
  ) {
    throw bad('labels, keys and vectors must be lists of one length, each vector of `dim` numbers');
  }
  return v as EmbeddingsFile;
}
