/**
 * The embedded store's ANN index: one usearch HNSW graph per model version, kept in memory and
 * saved beside the SQLite file (`<db>.ann/`, see README.md "ANN"). The database is the truth;
 * the graph is a cache of it, checked against it on every load (database creation stamp, face
 * count, last face id and the sum of face ids of that model version) and brought up to date
 * from it: faces added since (ids only grow: AUTOINCREMENT) are inserted, faces gone are removed,
 * and a graph that cannot be matched (another database, other parameters, a damaged file) is
 * rebuilt. usearch is an optional dependency: without it (or with `EXPRSIM_ANN=0`) search is
 * exact.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type Database from 'better-sqlite3';
import { writeFileAtomic } from '../core/fs.js';
import { logger } from '../core/logger.js';
import type { ResolvedAnnOptions } from './ann-options.js';
import { bytesToEmbedding } from './vectors.js';

type DB = Database.Database;

/** The part of usearch's API used here (typed locally: the package is optional). */
interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void;
  search(
    vector: Float32Array,
    k: number,
    threads?: number,
  ): {
    keys: BigUint64Array;
    distances: Float32Array;
  };
  remove(keys: BigUint64Array): number | number[];
  size(): number;
  save(path: string): void;
  load(path: string): void;
}

interface UsearchModule {
  Index: new (config: {
    dimensions: number;
    metric: string;
    quantization: string;
    connectivity: number;
    expansion_add: number;
    expansion_search: number;
    multi: boolean;
  }) => UsearchIndex;
}

let usearch: Promise<UsearchModule | string> | undefined;

/**
 * usearch, or why it cannot be loaded (not installed, no prebuilt binary for this platform).
 * `EXPRSIM_ANN_MODULE` names another package to load instead (tests: a missing one).
 */
export function loadUsearch(): Promise<UsearchModule | string> {
  usearch ??= (async () => {
    const name = process.env.EXPRSIM_ANN_MODULE ?? 'usearch';
    try {
      const mod = (await import(name)) as {
        default?: UsearchModule;
      } & Partial<UsearchModule>;
      const Index = mod.Index ?? mod.default?.Index;
      if (Index === undefined) return 'the usearch package has no Index class';
      return { Index };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND') {
        return `the optional package ${name} is not installed`;
      }
      return `usearch cannot load: ${(err.message ?? String(e)).split('\n')[0]}`;
    }
  })();
  return usearch;
}

/** What a graph holds: compared with the database's faces of its model version. */
export interface AnnFingerprint {
  count: number;
  maxId: number;
  idSum: number;
}

/** The JSON beside each graph file: what it was built from and with. */
interface AnnManifest extends AnnFingerprint {
  format: typeof ANN_FORMAT;
  model: string;
  dimension: number;
  /** The database's `created` meta row: another database at the same path does not match. */
  database: string;
  m: number;
  efConstruction: number;
  /** The graph file, in the same folder. */
  file: string;
  savedAt: string;
}

const ANN_FORMAT = 'exprsim-ann-usearch-1';

/** The folder of a database's ANN graphs. */
export function annFolder(realDbPath: string): string {
  return `${realDbPath}.ann`;
}

function modelKey(model: string): string {
  return createHash('sha256').update(model).digest('hex').slice(0, 16);
}

/** One model version's graph, in step with the database while `synced`. */
export class ModelAnn {
  readonly model: string;
  readonly dimension: number;
  private readonly index: UsearchIndex;
  /** Face ids in the graph. */
  private readonly ids: Set<number>;
  maxId: number;
  idSum: number;
  /** Changed since it was loaded or saved. */
  changed: boolean;
  /** False after a write of this connection or another that may have touched the model. */
  synced = true;

  constructor(
    model: string,
    dimension: number,
    index: UsearchIndex,
    ids: Set<number>,
    fp: AnnFingerprint,
    changed: boolean,
  ) {
    this.model = model;
    this.dimension = dimension;
    this.index = index;
    this.ids = ids;
    this.maxId = fp.maxId;
    this.idSum = fp.idSum;
    this.changed = changed;
  }

  get size(): number {
    return this.ids.size;
  }

  get fingerprint(): AnnFingerprint {
    return { count: this.ids.size, maxId: this.maxId, idSum: this.idSum };
  }

  add(ids: number[], vectors: Float32Array): void {
    if (ids.length === 0) return;
    this.index.add(
      BigUint64Array.from(ids, (i) => BigInt(i)),
      vectors,
      0,
    );
    for (const id of ids) {
      this.ids.add(id);
      this.idSum += id;
      if (id > this.maxId) this.maxId = id;
    }
    this.changed = true;
  }

  remove(ids: number[]): void {
    const present = ids.filter((id) => this.ids.has(id));
    if (present.length === 0) return;
    this.index.remove(BigUint64Array.from(present, (i) => BigInt(i)));
    for (const id of present) {
      this.ids.delete(id);
      this.idSum -= id;
    }
    this.changed = true;
  }

  /** Ids in the graph that `alive` (the database's ids up to `maxId`) no longer has. */
  missingFrom(alive: Set<number>): number[] {
    const gone: number[] = [];
    for (const id of this.ids) if (!alive.has(id)) gone.push(id);
    return gone;
  }

  /**
   * About `n` nearest faces (squared distance, float32) by the graph: `n` is the search's
   * candidate list (HNSW's ef), so asking for more finds the k best more reliably.
   */
  search(query: Float32Array, n: number): { id: number; d2: number }[] {
    if (this.ids.size === 0) return [];
    const m = this.index.search(query, Math.max(1, Math.min(n, this.ids.size)), 1);
    const out: { id: number; d2: number }[] = [];
    for (let i = 0; i < m.keys.length; i++) {
      const id = Number(m.keys[i]);
      if (this.ids.has(id)) out.push({ id, d2: m.distances[i] });
    }
    return out;
  }

  /** Saves the graph and its manifest under `folder` (graph first; the manifest commits it). */
  async save(folder: string, database: string, options: ResolvedAnnOptions): Promise<void> {
    mkdirSync(folder, { recursive: true });
    const key = modelKey(this.model);
    const file = `${key}-${randomBytes(4).toString('hex')}.usearch`;
    const tmp = join(folder, `.${file}.${process.pid}.tmp`);
    try {
      this.index.save(tmp);
      const h = await open(tmp, 'r+');
      try {
        await h.sync();
      } finally {
        await h.close();
      }
      await rename(tmp, join(folder, file));
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw e;
    }
    const manifest: AnnManifest = {
      format: ANN_FORMAT,
      model: this.model,
      dimension: this.dimension,
      database,
      m: options.m,
      efConstruction: options.efConstruction,
      ...this.fingerprint,
      file,
      savedAt: new Date().toISOString(),
    };
    await writeFileAtomic(join(folder, `${key}.json`), `${JSON.stringify(manifest, null, 2)}\n`);
    // Earlier graphs of this model version are no longer named by the manifest.
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      if (name.startsWith(`${key}-`) && name.endsWith('.usearch') && name !== file) {
        await rm(join(folder, name), { force: true }).catch(() => undefined);
      }
    }
    this.changed = false;
  }
}

function newIndex(mod: UsearchModule, dimension: number, o: ResolvedAnnOptions): UsearchIndex {
  return new mod.Index({
    dimensions: dimension,
    metric: 'l2sq',
    quantization: 'f32',
    connectivity: o.m,
    expansion_add: o.efConstruction,
    // The candidate list is the count each search asks for (max(k, efSearch), per query).
    expansion_search: 1,
    multi: false,
  });
}

/** The database's faces of `model` (ids ≤ `upTo` when given): count, last id, sum of ids. */
export function dbFingerprint(db: DB, model: string, upTo?: number): AnnFingerprint {
  const r = db
    .prepare(
      `SELECT count(*) AS count, coalesce(max(id), 0) AS maxId, coalesce(sum(id), 0) AS idSum
       FROM faces INDEXED BY faces_by_model WHERE model = ? AND id <= ?`,
    )
    .get(model, upTo ?? Number.MAX_SAFE_INTEGER) as AnnFingerprint;
  return r;
}

function sameFingerprint(a: AnnFingerprint, b: AnnFingerprint): boolean {
  return a.count === b.count && a.maxId === b.maxId && a.idSum === b.idSum;
}

/** Faces of `model` with ids above `after`, in batches, into the graph. */
function addNewer(db: DB, ann: ModelAnn, after: number): number {
  const d = ann.dimension;
  const batch = 8192;
  let added = 0;
  const stmt = db
    .prepare('SELECT id, embedding FROM faces WHERE model = ? AND id > ? ORDER BY id')
    .raw();
  let ids: number[] = [];
  let vec = new Float32Array(batch * d);
  const flush = () => {
    ann.add(ids, vec.subarray(0, ids.length * d));
    added += ids.length;
    ids = [];
    vec = new Float32Array(batch * d);
  };
  for (const [id, blob] of stmt.iterate(ann.model, after) as Iterable<[number, Buffer]>) {
    if (blob.byteLength !== d * 4) continue; // a damaged row; exact search reports it
    bytesToEmbedding(blob, vec, ids.length * d);
    ids.push(id);
    if (ids.length === batch) flush();
  }
  if (ids.length > 0) flush();
  return added;
}

/**
 * Brings `ann` in step with the database: faces added since (ids above its last one) go in,
 * faces it holds that the database no longer has come out. Inside a read transaction of the
 * caller, so the database does not change meanwhile.
 */
export function syncAnn(db: DB, ann: ModelAnn): void {
  const before = ann.maxId;
  const added = addNewer(db, ann, before);
  const now = dbFingerprint(db, ann.model);
  let removed = 0;
  if (!sameFingerprint(now, ann.fingerprint)) {
    const alive = new Set(
      db
        .prepare('SELECT id FROM faces INDEXED BY faces_by_model WHERE model = ? AND id <= ?')
        .pluck()
        .all(ann.model, before) as number[],
    );
    const gone = ann.missingFrom(alive);
    ann.remove(gone);
    removed = gone.length;
  }
  ann.synced = true;
  if (added + removed > 0) {
    logger.debug(`ANN ${ann.model}: ${added} faces added, ${removed} removed`);
  }
}

/** Builds a graph of every face of `model` from the database (inside a read transaction). */
export function buildAnn(
  db: DB,
  mod: UsearchModule,
  model: string,
  dimension: number,
  options: ResolvedAnnOptions,
): ModelAnn {
  const started = performance.now();
  logger.info(`building the ANN index of model ${model} (minutes for a million faces)`);
  const ann = new ModelAnn(
    model,
    dimension,
    newIndex(mod, dimension, options),
    new Set(),
    { count: 0, maxId: 0, idSum: 0 },
    true,
  );
  addNewer(db, ann, 0);
  logger.info(
    `built the ANN index of ${ann.size} faces (model ${model}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return ann;
}

/**
 * The saved graph of `model` when it can be matched to the database (inside a read
 * transaction), brought up to date; undefined when there is none or it is stale beyond repair
 * (another database, other parameters, faces removed since it was saved, a damaged file).
 */
export function loadAnn(
  db: DB,
  mod: UsearchModule,
  folder: string,
  model: string,
  dimension: number,
  database: string,
  options: ResolvedAnnOptions,
): ModelAnn | undefined {
  const key = modelKey(model);
  let manifest: AnnManifest;
  try {
    manifest = JSON.parse(readFileSync(join(folder, `${key}.json`), 'utf8')) as AnnManifest;
  } catch {
    return undefined;
  }
  const why =
    manifest.format !== ANN_FORMAT
      ? 'another format'
      : manifest.model !== model || manifest.dimension !== dimension
        ? 'another model version'
        : manifest.database !== database
          ? 'another database'
          : manifest.m !== options.m || manifest.efConstruction !== options.efConstruction
            ? `built with m ${manifest.m}, efConstruction ${manifest.efConstruction}`
            : undefined;
  if (why !== undefined) {
    logger.info(`${folder}: the saved ANN index does not match (${why}); rebuilding it`);
    return undefined;
  }
  // Its faces must all still be there: then the ones added since are simply inserted.
  const then = dbFingerprint(db, model, manifest.maxId);
  if (!sameFingerprint(then, manifest)) {
    logger.info(
      `${folder}: faces were removed since the ANN index was saved (${manifest.count} then, ${then.count} of those now); rebuilding it`,
    );
    return undefined;
  }
  const index = newIndex(mod, dimension, options);
  try {
    index.load(join(folder, basename(manifest.file)));
  } catch (e) {
    logger.info(`${folder}: cannot load the ANN index (${(e as Error).message}); rebuilding it`);
    return undefined;
  }
  if (index.size() !== manifest.count) {
    logger.info(
      `${folder}: the ANN index holds ${index.size()} faces, its manifest ${manifest.count}; rebuilding it`,
    );
    return undefined;
  }
  const ids = new Set(
    db
      .prepare('SELECT id FROM faces INDEXED BY faces_by_model WHERE model = ? AND id <= ?')
      .pluck()
      .all(model, manifest.maxId) as number[],
  );
  const ann = new ModelAnn(model, dimension, index, ids, manifest, false);
  syncAnn(db, ann);
  return ann;
}
