/**
 * Approximate nearest-neighbour (ANN) options shared by both stores: an HNSW graph (usearch
 * beside an SQLite file, pgvector's `hnsw` index in PostgreSQL) once a model version has enough
 * faces for the exact scan to cost more than it is worth. Exact search stays the default below
 * the threshold and the fallback whenever the ANN index cannot be used.
 */
import { ExprsimError } from '../core/errors.js';

/** `auto`: ANN past `minFaces`; `hnsw`: ANN at any size; `off`: exact search only. */
export type AnnMode = 'auto' | 'hnsw' | 'off';

export const ANN_MODES: readonly AnnMode[] = ['auto', 'hnsw', 'off'];

export interface AnnOptions {
  /** Default `auto` (`EXPRSIM_ANN=0` in the environment forces `off`). */
  mode?: AnnMode;
  /**
   * `auto` builds (and searches) the ANN index past this many faces (of a model version in
   * SQLite, of the table in PostgreSQL). Default {@link ANN_MIN_FACES} of the store: below it the
   * exact search is fast enough (BENCHMARKS.md, "Approximate nearest neighbours") and needs no
   * index to build, save or keep in step.
   */
  minFaces?: number;
  /** HNSW graph degree (usearch `connectivity`, pgvector `m`). More: better recall, bigger index. */
  m?: number;
  /** Candidates kept while inserting (usearch `expansion_add`, pgvector `ef_construction`). */
  efConstruction?: number;
  /** Candidates kept while searching (≥ k is used): recall against speed. Per query too. */
  efSearch?: number;
}

export type ResolvedAnnOptions = Required<AnnOptions>;

/**
 * Where `auto` starts using HNSW, per store. SQLite's in-memory scan takes about 2 ms at 100k
 * faces (and a graph of 100k takes tens of seconds to build), so below that an index buys
 * nothing worth keeping; PostgreSQL's exact `ORDER BY <->` reads every row, about 50 ms at 20k
 * faces against a few ms through the index, so it gets one sooner.
 */
export const ANN_MIN_FACES = Object.freeze({ sqlite: 100_000, postgres: 10_000 });

/** The defaults (pgvector's m and ef_construction; ef_search 64 gives recall@10 ≥ 0.99 at 1M). */
export const ANN_DEFAULTS: Readonly<Omit<ResolvedAnnOptions, 'minFaces'>> = Object.freeze({
  mode: 'auto',
  m: 16,
  efConstruction: 64,
  efSearch: 64,
});

/** Whether the environment turns ANN search off (`EXPRSIM_ANN=0`, `off` or `false`). */
export function annDisabledByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.EXPRSIM_ANN?.trim().toLowerCase();
  return v === '0' || v === 'off' || v === 'false';
}

function wholeNumber(value: unknown, key: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `${key} must be a whole number from ${min} to ${max}, got ${String(value)}`,
      {
        input: `${key}=${String(value)}`,
        fix: `pass a whole number from ${min} to ${max}`,
        option: key,
      },
    );
  }
  return value;
}

/** `efSearch` of one query (E_BAD_OPTION unless a whole number 1..10000). */
export function checkEfSearch(value: unknown): number {
  return wholeNumber(value, 'efSearch', 1, 10_000);
}

/** The options with defaults filled in; E_BAD_OPTION naming the bad one. */
export function resolveAnnOptions(
  options: AnnOptions = {},
  store: keyof typeof ANN_MIN_FACES = 'sqlite',
  env: NodeJS.ProcessEnv = process.env,
): ResolvedAnnOptions {
  const mode = options.mode ?? ANN_DEFAULTS.mode;
  if (!ANN_MODES.includes(mode)) {
    throw new ExprsimError('E_BAD_OPTION', `unknown ANN mode "${String(mode)}"`, {
      input: String(mode),
      fix: `use one of ${ANN_MODES.join(', ')}`,
      option: 'mode',
    });
  }
  return {
    mode: annDisabledByEnv(env) ? 'off' : mode,
    minFaces: wholeNumber(options.minFaces ?? ANN_MIN_FACES[store], 'minFaces', 1, 2 ** 31),
    m: wholeNumber(options.m ?? ANN_DEFAULTS.m, 'm', 2, 100),
    efConstruction: wholeNumber(
      options.efConstruction ?? ANN_DEFAULTS.efConstruction,
      'efConstruction',
      4,
      1000,
    ),
    efSearch: checkEfSearch(options.efSearch ?? ANN_DEFAULTS.efSearch),
  };
}

/** Whether a model version with `faces` faces is searched through the ANN index. */
export function wantsAnn(options: ResolvedAnnOptions, faces: number): boolean {
  if (options.mode === 'off' || faces === 0) return false;
  return options.mode === 'hnsw' || faces >= options.minFaces;
}
