/**
 * The embedded face store: one SQLite file (better-sqlite3) in WAL mode, so searches read while
 * an indexer writes. Each photo is written in one transaction (photo row, faces, thumbnails), so a
 * process killed at any point leaves the database as it was after the last whole photo, and a
 * rerun carries on from there. Embeddings are float32 BLOBs; exact nearest-neighbour search scans
 * all embeddings of a model version held in memory (one Float32Array), loaded on first use,
 * extended as this connection writes and reloaded when another connection has written
 * (`PRAGMA data_version`).
 */
import { mkdirSync, existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ExprsimError, isExprsimError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { reconcileRoot, resolveFolder, toFolderPath, toPhotoPath } from './photo-path.js';
import {
  checkHash,
  checkNewPhoto,
  noContentError,
  dimensionError,
  liveWriter,
  lockedError,
  readonlyError,
} from './records.js';
import {
  checkSameFile,
  databaseIdentity,
  tryWriterLock,
  type FileIdentity,
  type WriterLock,
} from './sqlite-lock.js';
import { SQLITE_SCHEMA, upgradeSqliteSchema } from './sqlite-schema.js';
import {
  checkEfSearch,
  resolveAnnOptions,
  wantsAnn,
  type ResolvedAnnOptions,
} from './ann-options.js';
import { annFolder, buildAnn, loadAnn, loadUsearch, syncAnn, type ModelAnn } from './sqlite-ann.js';
import { EmbeddingMatrix, TopK } from './top-k.js';
import type {
  FaceRecord,
  FaceStore,
  NearestOptions,
  Neighbour,
  NewFace,
  NewPhoto,
  OpenStoreOptions,
  PhotoRecord,
  StoreStats,
} from './types.js';
import { bytesToEmbedding, checkEmbedding, embeddingToBytes, euclidean } from './vectors.js';
import { checkK, sampleRows, STORE_FORMAT, STORE_SCHEMA_VERSION } from './store-common.js';

type DB = Database.Database;

interface PhotoRow {
  id: number;
  path: string;
  hash: string;
  size: number;
  width: number;
  height: number;
  status: PhotoRecord['status'];
  error: string | null;
  indexed_at: string;
}

interface FaceRow {
  id: number;
  /** The first photo (by path) with this face's content and status 'ok'. */
  photo_id: number;
  /** Every such photo's path, by path: a JSON array. */
  paths: string;
  face: number;
  box_x: number;
  box_y: number;
  box_width: number;
  box_height: number;
  score: number;
  landmarks: string | null;
  model: string;
  embedding: Buffer;
}

/**
 * Faces with the photos that show them: faces belong to a content (hash); the photos with that
 * hash and status 'ok' are its paths, the first by path its photo.
 */
const FACE_SELECT = `SELECT f.id, f.face, f.box_x, f.box_y, f.box_width, f.box_height, f.score,
  f.landmarks, f.model, f.embedding,
  (SELECT id FROM photos WHERE hash = f.hash AND status = 'ok' ORDER BY path LIMIT 1) AS photo_id,
  (SELECT json_group_array(q.path) FROM
    (SELECT path FROM photos WHERE hash = f.hash AND status = 'ok' ORDER BY path) q) AS paths
  FROM faces f`;

function toPhoto(r: PhotoRow): PhotoRecord {
  return {
    id: r.id,
    path: r.path,
    hash: r.hash,
    size: r.size,
    width: r.width,
    height: r.height,
    status: r.status,
    ...(r.error === null ? {} : { error: r.error }),
    indexedAt: r.indexed_at,
  };
}

function toFace(r: FaceRow): FaceRecord {
  const paths = JSON.parse(r.paths) as string[];
  return {
    id: r.id,
    photoId: r.photo_id,
    path: paths[0],
    paths,
    face: r.face,
    box: { x: r.box_x, y: r.box_y, width: r.box_width, height: r.box_height },
    score: r.score,
    ...(r.landmarks === null ? {} : { landmarks: JSON.parse(r.landmarks) as [number, number][] }),
    embedding: bytesToEmbedding(r.embedding),
    model: r.model,
  };
}

/** An SQLite failure as E_STORE naming the file. */
function storeError(location: string, e: unknown, doing: string): ExprsimError {
  if (isExprsimError(e)) return e;
  const code = (e as { code?: string }).code;
  const message = (e as Error).message ?? String(e);
  const fix =
    code === 'SQLITE_NOTADB'
      ? 'this file is not an SQLite database: pass another path as `db`'
      : code === 'SQLITE_CORRUPT'
        ? 'the database is damaged: index the photos again into a new database'
        : code === 'SQLITE_CANTOPEN'
          ? 'check that the folder exists and is writable, and that the path is not a folder'
          : code === 'SQLITE_FULL'
            ? 'free some disk space and rerun'
            : code === 'SQLITE_BUSY'
              ? 'another process holds the database: wait and retry'
              : undefined;
  return new ExprsimError('E_STORE', `${doing}: ${message}`, { input: location, fix, cause: e });
}

export class SqliteFaceStore implements FaceStore {
  readonly kind = 'sqlite' as const;
  readonly root: string;
  readonly location: string;
  readonly readonly: boolean;
  private readonly db: DB;
  private readonly lock?: WriterLock;
  private dimension: number | undefined;
  private closed = false;
  /** Per model version: every embedding, for exact scans. Valid while data_version is `seen`. */
  private readonly matrices = new Map<string, EmbeddingMatrix>();
  private modelList: string[] | undefined;
  private seen: number | undefined;
  private readonly q: ReturnType<SqliteFaceStore['prepare']>;
  /** ANN options (resolved) and where the graphs are saved (`<real db path>.ann`). */
  private readonly annOptions: ResolvedAnnOptions;
  private readonly annDir: string;
  /** Per model version: its usearch graph, once a search (or a closing writer) needed it. */
  private readonly anns = new Map<string, ModelAnn>();
  /** Faces per model version, valid while data_version is `seen` (as the matrices). */
  private readonly counts = new Map<string, number>();
  /** Why ANN search is unavailable (usearch missing), said once. */
  private annUnavailable: string | undefined;

  private constructor(
    db: DB,
    location: string,
    root: string,
    readonly: boolean,
    lock: WriterLock | undefined,
    realPath: string,
    annOptions: ResolvedAnnOptions,
  ) {
    this.db = db;
    this.location = location;
    this.root = root;
    this.readonly = readonly;
    this.lock = lock;
    this.annDir = annFolder(realPath);
    this.annOptions = annOptions;
    this.q = this.prepare();
    const dim = this.q.meta.get('dimension') as { value: string } | undefined;
    this.dimension = dim === undefined ? undefined : Number(dim.value);
  }

  private prepare() {
    const db = this.db;
    return {
      meta: db.prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      photoByPath: db.prepare('SELECT * FROM photos WHERE path = ?'),
      photoById: db.prepare('SELECT * FROM photos WHERE id = ?'),
      photosByHash: db.prepare('SELECT * FROM photos WHERE hash = ? ORDER BY path'),
      // What a new path with this content copies: an 'ok' photo first, else a 'no-face' one.
      shareable: db.prepare(
        `SELECT * FROM photos WHERE hash = ? AND status IN ('ok', 'no-face')
         ORDER BY status = 'ok' DESC, path LIMIT 1`,
      ),
      upsertPhoto: db.prepare(
        `INSERT INTO photos (path, hash, size, width, height, status, error, indexed_at)
         VALUES (@path, @hash, @size, @width, @height, @status, @error, @indexedAt)
         ON CONFLICT (path) DO UPDATE SET hash = excluded.hash, size = excluded.size,
           width = excluded.width, height = excluded.height, status = excluded.status,
           error = excluded.error, indexed_at = excluded.indexed_at
         RETURNING id`,
      ),
      modelsOfHash: db.prepare('SELECT DISTINCT model FROM faces WHERE hash = ?'),
      deleteFacesOfHash: db.prepare('DELETE FROM faces WHERE hash = ?'),
      // The faces of a content no 'ok' photo shows any more (its thumbnails cascade).
      orphanModels: db.prepare(
        `SELECT DISTINCT model FROM faces WHERE hash = @h
           AND NOT EXISTS (SELECT 1 FROM photos WHERE hash = @h AND status = 'ok')`,
      ),
      deleteOrphans: db.prepare(
        `DELETE FROM faces WHERE hash = @h
           AND NOT EXISTS (SELECT 1 FROM photos WHERE hash = @h AND status = 'ok')`,
      ),
      deletePhoto: db.prepare('DELETE FROM photos WHERE id = ?'),
      insertFace: db.prepare(
        `INSERT INTO faces (hash, face, box_x, box_y, box_width, box_height, score, landmarks,
           model, embedding)
         VALUES (@hash, @face, @x, @y, @width, @height, @score, @landmarks, @model, @embedding)`,
      ),
      insertThumb: db.prepare('INSERT INTO thumbnails (face_id, jpeg) VALUES (?, ?)'),
      face: db.prepare(`${FACE_SELECT} WHERE f.id = ?`),
      facesByIds: db.prepare(`${FACE_SELECT} WHERE f.id IN (SELECT value FROM json_each(?))`),
      facesOfPhoto: db.prepare(
        `${FACE_SELECT} WHERE f.hash = (SELECT hash FROM photos WHERE id = ? AND status = 'ok')
         ORDER BY f.face`,
      ),
      thumbnail: db.prepare('SELECT jpeg FROM thumbnails WHERE face_id = ?'),
      models: db.prepare('SELECT DISTINCT model FROM faces ORDER BY model'),
      countModel: db.prepare('SELECT count(*) FROM faces WHERE model = ?'),
      // A sequential scan of the table (rowid = id order) beats a lookup per row via the model
      // index: most stores hold one model version.
      embeddingsOf: db.prepare(
        'SELECT id, embedding FROM faces NOT INDEXED WHERE model = ? ORDER BY id',
      ),
      listAll: db.prepare('SELECT * FROM photos ORDER BY path'),
      listUnder: db.prepare(
        "SELECT * FROM photos WHERE substr(path, 1, length(@f) + 1) = @f || '/' ORDER BY path",
      ),
      photoCounts: db.prepare(
        `SELECT count(*) AS photos, coalesce(sum(status = 'ok'), 0) AS withFaces,
           coalesce(sum(status = 'failed'), 0) AS failed,
           coalesce(sum(status = 'no-face'), 0) AS noFace FROM photos`,
      ),
      faceCount: db.prepare('SELECT count(*) FROM faces'),
      setWriter: db.prepare(
        'INSERT OR REPLACE INTO writer (id, pid, host, since) VALUES (1, ?, ?, ?)',
      ),
      clearWriter: db.prepare('DELETE FROM writer WHERE id = 1 AND pid = ?'),
    };
  }

  /** Opens (creating when writable) the store at `path`. See {@link openStore}. */
  static async open(path: string, options: OpenStoreOptions = {}): Promise<SqliteFaceStore> {
    const file = resolve(path);
    const location = path;
    const readonly = options.readonly ?? false;
    const annOptions = resolveAnnOptions(options.ann);
    const requested =
      options.root === undefined ? undefined : await resolveFolder(options.root, 'photo folder');
    if (existsSync(file) && statSync(file).isDirectory()) {
      throw new ExprsimError('E_STORE', 'the database path is a folder', {
        input: location,
        fix: 'pass a file path such as faces.sqlite',
      });
    }
    if (readonly && !existsSync(file)) {
      throw new ExprsimError('E_STORE', 'no face index here', {
        input: location,
        fix: `create it first: exprsim index DIR --db ${location}`,
      });
    }
    let db: DB;
    try {
      if (!readonly) mkdirSync(dirname(file), { recursive: true });
      db = new Database(file, { readonly, fileMustExist: readonly, timeout: 10_000 });
    } catch (e) {
      throw storeError(location, e, 'cannot open the database');
    }
    let lock: WriterLock | undefined;
    try {
      const id = openedFile(db, file, location);
      if (!readonly) {
        lock = tryWriterLock(`${id.real}-lock`);
        if (lock === undefined) throw lockedError(location, liveWriter(readWriter(db), hostname()));
        checkSameFile(file, id, location);
        // Refuse a damaged database, or another program's, before changing anything in it
        // (even its journal).
        checkIntact(db, file, location);
        foreignTables(db, location);
        const mode = db.pragma('journal_mode = WAL', { simple: true });
        if (mode !== 'wal') {
          throw new ExprsimError('E_STORE', `cannot use WAL journaling (got ${String(mode)})`, {
            input: location,
            fix: 'put the database on a local disk',
          });
        }
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        initSchema(db, location);
        upgradeSqliteSchema(db, location);
      }
      checkSchema(db, location);
      const stored = (
        db.prepare("SELECT value FROM meta WHERE key = 'root'").get() as
          { value: string } | undefined
      )?.value;
      const { root, isNew } = reconcileRoot(stored, requested, location);
      if (isNew) {
        db.prepare("INSERT INTO meta (key, value) VALUES ('root', ?)").run(root);
      }
      const store = new SqliteFaceStore(db, location, root, readonly, lock, id.real, annOptions);
      if (!readonly) {
        store.q.setWriter.run(process.pid, hostname(), new Date().toISOString());
      }
      logger.debug(
        `opened ${readonly ? 'read-only ' : ''}SQLite face store ${file} (root ${root})`,
      );
      return store;
    } catch (e) {
      db.close();
      lock?.release();
      throw readonly
        ? readonlyOpenError(location, e)
        : storeError(location, e, 'cannot open the face index');
    }
  }

  private live(): void {
    if (this.closed) {
      throw new ExprsimError('E_STORE', 'the store is closed', { input: this.location });
    }
  }

  private run<T>(doing: string, fn: () => T): T {
    this.live();
    try {
      return fn();
    } catch (e) {
      throw storeError(this.location, e, doing);
    }
  }

  async getPhoto(path: string): Promise<PhotoRecord | undefined> {
    const rel = toPhotoPath(this.root, path);
    return this.run('cannot read a photo', () => {
      const r = this.q.photoByPath.get(rel) as PhotoRow | undefined;
      return r && toPhoto(r);
    });
  }

  async getPhotoById(id: number): Promise<PhotoRecord | undefined> {
    return this.run('cannot read a photo', () => {
      const r = this.q.photoById.get(id) as PhotoRow | undefined;
      return r && toPhoto(r);
    });
  }

  async listPhotos(options: { under?: string } = {}): Promise<PhotoRecord[]> {
    const folder = toFolderPath(this.root, options.under);
    return this.run('cannot list photos', () =>
      (
        (folder === '' ? this.q.listAll.all() : this.q.listUnder.all({ f: folder })) as PhotoRow[]
      ).map(toPhoto),
    );
  }

  async photosWithHash(hash: string): Promise<PhotoRecord[]> {
    checkHash(hash);
    return this.run('cannot read photos', () =>
      (this.q.photosByHash.all(hash) as PhotoRow[]).map(toPhoto),
    );
  }

  /**
   * Removes the faces of `hash` when no 'ok' photo shows them any more; returns their models
   * (whose in-memory matrices are then stale). Inside the caller's transaction.
   */
  private dropOrphans(hash: string, stale: Set<string>): void {
    const models = this.q.orphanModels.pluck().all({ h: hash }) as string[];
    if (models.length === 0) return;
    for (const m of models) stale.add(m);
    this.q.deleteOrphans.run({ h: hash });
  }

  /** Forgets the matrices of `stale` models (and the model list) after a commit that changed them. */
  private forget(stale: ReadonlySet<string>): void {
    for (const m of stale) {
      this.matrices.delete(m);
      this.counts.delete(m);
      const ann = this.anns.get(m);
      if (ann !== undefined) ann.synced = false;
    }
    if (stale.size > 0) this.modelList = undefined;
  }

  async putPhoto(photo: NewPhoto, faces: readonly NewFace[]): Promise<number> {
    return (await this.putPhotos([{ photo, faces }]))[0];
  }

  /**
   * Bulk `putPhoto`: every photo and its faces in one transaction (all or nothing), for imports
   * and benchmarks (a million faces in about a minute rather than a transaction each). Same
   * checks and semantics as {@link putPhoto}, in order; returns the photo ids.
   */
  async putPhotos(
    items: readonly { photo: NewPhoto; faces: readonly NewFace[] }[],
  ): Promise<number[]> {
    if (this.readonly) throw readonlyError(this.location);
    let dim = this.dimension;
    const checked = items.map(({ photo, faces }) => {
      const path = toPhotoPath(this.root, photo.path);
      const d = checkNewPhoto(photo, faces);
      if (d !== undefined && dim !== undefined && d !== dim) {
        throw dimensionError(this.location, d, dim);
      }
      dim ??= d;
      return { path, photo, faces };
    });
    const added: { id: number; model: string; embedding: Float32Array }[] = [];
    const stale = new Set<string>();
    const writeOne = (path: string, photo: NewPhoto, faces: readonly NewFace[]): number => {
      const old = this.q.photoByPath.get(path) as PhotoRow | undefined;
      const { id } = this.q.upsertPhoto.get({
        path,
        hash: photo.hash,
        size: photo.size,
        width: photo.width,
        height: photo.height,
        status: photo.status,
        error: photo.error ?? null,
        indexedAt: new Date().toISOString(),
      }) as { id: number };
      if (photo.status === 'ok') {
        // The content's one set of faces: replaced for every path that shows it.
        for (const m of this.q.modelsOfHash.pluck().all(photo.hash) as string[]) stale.add(m);
        this.q.deleteFacesOfHash.run(photo.hash);
      } else {
        this.dropOrphans(photo.hash, stale);
      }
      if (old !== undefined && old.hash !== photo.hash) this.dropOrphans(old.hash, stale);
      for (const f of faces) {
        const info = this.q.insertFace.run({
          hash: photo.hash,
          face: f.face,
          x: f.box.x,
          y: f.box.y,
          width: f.box.width,
          height: f.box.height,
          score: f.score,
          landmarks: f.landmarks === undefined ? null : JSON.stringify(f.landmarks),
          model: f.model,
          embedding: embeddingToBytes(f.embedding),
        });
        const faceId = Number(info.lastInsertRowid);
        if (f.thumbnail !== undefined) this.q.insertThumb.run(faceId, Buffer.from(f.thumbnail));
        added.push({ id: faceId, model: f.model, embedding: f.embedding });
      }
      return id;
    };
    const write = this.db.transaction(() => {
      if (dim !== undefined && this.dimension === undefined) {
        this.q.setMeta.run('dimension', String(dim));
      }
      return checked.map((c) => writeOne(c.path, c.photo, c.faces));
    });
    const ids = this.run('cannot write the photo', () => write.immediate());
    this.dimension ??= dim;
    // Keep the in-memory matrices in step with this connection's own write.
    this.forget(stale);
    for (const a of added) {
      const matrix = this.matrices.get(a.model);
      if (matrix !== undefined) matrix.add(a.id, a.embedding);
      this.counts.delete(a.model);
      const ann = this.anns.get(a.model);
      if (ann !== undefined) ann.synced = false;
    }
    if (added.some((a) => !this.modelList?.includes(a.model))) this.modelList = undefined;
    return ids;
  }

  async linkPhoto(path: string, hash: string): Promise<number> {
    if (this.readonly) throw readonlyError(this.location);
    const rel = toPhotoPath(this.root, path);
    checkHash(hash, path);
    const stale = new Set<string>();
    const link = this.db.transaction(() => {
      const from = this.q.shareable.get(hash) as PhotoRow | undefined;
      if (from === undefined) throw noContentError(path, hash);
      const old = this.q.photoByPath.get(rel) as PhotoRow | undefined;
      const { id } = this.q.upsertPhoto.get({
        path: rel,
        hash,
        size: from.size,
        width: from.width,
        height: from.height,
        status: from.status,
        error: from.error,
        indexedAt: new Date().toISOString(),
      }) as { id: number };
      if (old !== undefined && old.hash !== hash) this.dropOrphans(old.hash, stale);
      return id;
    });
    const id = this.run('cannot write the photo', () => link.immediate());
    this.forget(stale);
    return id;
  }

  async deletePhoto(path: string): Promise<boolean> {
    if (this.readonly) throw readonlyError(this.location);
    const rel = toPhotoPath(this.root, path);
    const stale = new Set<string>();
    const gone = this.run('cannot delete the photo', () => {
      const del = this.db.transaction(() => {
        const row = this.q.photoByPath.get(rel) as PhotoRow | undefined;
        if (row === undefined) return false;
        this.q.deletePhoto.run(row.id);
        this.dropOrphans(row.hash, stale);
        return true;
      });
      return del.immediate();
    });
    this.forget(stale);
    return gone;
  }

  async getFace(id: number): Promise<FaceRecord | undefined> {
    return this.run('cannot read a face', () => {
      const r = this.q.face.get(id) as FaceRow | undefined;
      return r && toFace(r);
    });
  }

  async facesOfPhoto(photoId: number): Promise<FaceRecord[]> {
    return this.run('cannot read faces', () =>
      (this.q.facesOfPhoto.all(photoId) as FaceRow[]).map(toFace),
    );
  }

  async thumbnail(faceId: number): Promise<Uint8Array | undefined> {
    return this.run('cannot read a thumbnail', () => {
      const r = this.q.thumbnail.get(faceId) as { jpeg: Buffer } | undefined;
      return r && new Uint8Array(r.jpeg);
    });
  }

  /** Drops the in-memory matrices when another connection has committed since they were loaded. */
  private syncCaches(): void {
    const v = this.db.pragma('data_version', { simple: true }) as number;
    if (v !== this.seen) {
      this.matrices.clear();
      this.counts.clear();
      for (const ann of this.anns.values()) ann.synced = false;
      this.modelList = undefined;
      this.seen = v;
      const dim = this.q.meta.get('dimension') as { value: string } | undefined;
      this.dimension = dim === undefined ? undefined : Number(dim.value);
    }
  }

  private models(): string[] {
    this.modelList ??= this.q.models.pluck().all() as string[];
    return this.modelList;
  }

  /** The embeddings of one model version, loaded once (see {@link syncCaches}). */
  private matrix(model: string): EmbeddingMatrix {
    let m = this.matrices.get(model);
    if (m !== undefined) return m;
    const dim = this.dimension;
    if (dim === undefined) return new EmbeddingMatrix(1, 1);
    const load = this.db.transaction(() => {
      const count = this.q.countModel.pluck().get(model) as number;
      const matrix = new EmbeddingMatrix(dim, count);
      for (const row of this.q.embeddingsOf.raw().iterate(model) as Iterable<[number, Buffer]>) {
        const [id, blob] = row;
        if (blob.byteLength !== dim * 4) {
          throw new ExprsimError(
            'E_STORE',
            `face ${id} has a ${blob.byteLength / 4}-d embedding in a ${dim}-d store`,
            { input: this.location, fix: 'the database is damaged: index again into a new one' },
          );
        }
        matrix.addWith(id, (target, offset) => bytesToEmbedding(blob, target, offset));
      }
      return matrix;
    });
    m = load();
    this.matrices.set(model, m);
    logger.debug(`${this.location}: loaded ${m.size} embeddings of model ${model}`);
    return m;
  }

  /** The faces of one model version (the loaded matrix's size when there is one). */
  private faceCount(model: string): number {
    let n = this.counts.get(model);
    if (n === undefined) {
      const m = this.matrices.get(model);
      n = m !== undefined ? m.size : (this.q.countModel.pluck().get(model) as number);
      this.counts.set(model, n);
    }
    return n;
  }

  /**
   * The ANN graph of `model` when its size calls for one (ann-options.ts `wantsAnn`), loaded
   * from beside the database or built, and in step with the database; undefined for an exact
   * scan (too few faces, `ann.mode` off, usearch unavailable).
   */
  private async annFor(model: string, faces: number): Promise<ModelAnn | undefined> {
    if (!wantsAnn(this.annOptions, faces) || this.dimension === undefined) return undefined;
    const mod = await loadUsearch();
    if (typeof mod === 'string') {
      if (this.annUnavailable === undefined) {
        this.annUnavailable = mod;
        logger.warn(`${this.location}: ANN search unavailable (${mod}); searching exactly`);
      }
      return undefined;
    }
    this.live();
    const dim = this.dimension;
    let ann = this.anns.get(model);
    if (ann !== undefined) {
      if (!ann.synced) this.db.transaction(() => syncAnn(this.db, ann!))();
      return ann;
    }
    const database = (this.q.meta.get('created') as { value: string } | undefined)?.value ?? '';
    ann = this.db.transaction(
      () =>
        loadAnn(this.db, mod, this.annDir, model, dim, database, this.annOptions) ??
        buildAnn(this.db, mod, model, dim, this.annOptions),
    )();
    this.anns.set(model, ann);
    if (ann.changed) await this.saveAnn(ann);
    return ann;
  }

  /** Saves a graph beside the database; a folder this process cannot write only loses the cache. */
  private async saveAnn(ann: ModelAnn): Promise<void> {
    const database = (this.q.meta.get('created') as { value: string } | undefined)?.value ?? '';
    try {
      await ann.save(this.annDir, database, this.annOptions);
    } catch (e) {
      const log = this.readonly ? logger.debug : logger.warn;
      log(
        `${this.location}: could not save the ANN index in ${this.annDir}: ${(e as Error).message}`,
      );
    }
  }

  async findNearest(query: Float32Array, options: NearestOptions): Promise<Neighbour[]> {
    const k = checkK(options.k);
    const ef =
      options.efSearch === undefined ? this.annOptions.efSearch : checkEfSearch(options.efSearch);
    this.live();
    try {
      for (let attempt = 0; ; attempt++) {
        this.syncCaches();
        if (this.dimension === undefined || k === 0) return [];
        checkEmbedding(query, 'the query embedding', this.dimension);
        const models = options.model === undefined ? this.models() : [options.model];
        const exclude =
          options.excludeFaceIds && options.excludeFaceIds.length > 0
            ? new Set(options.excludeFaceIds)
            : undefined;
        const top = new TopK(k);
        for (const m of models) {
          const faces = this.faceCount(m);
          const wanted = k + (exclude?.size ?? 0);
          // An ANN query for a good part of the faces is no faster than the scan.
          const ann =
            options.exact === true || wanted * 4 > faces ? undefined : await this.annFor(m, faces);
          if (ann === undefined) {
            this.matrix(m).scan(query, top, exclude);
            continue;
          }
          for (const c of ann.search(query, Math.max(wanted, ef))) {
            if (exclude === undefined || !exclude.has(c.id)) top.push(c.d2, c.id);
          }
        }
        const best = top.sorted();
        const rows = this.q.facesByIds.all(JSON.stringify(best.map((b) => b.id))) as FaceRow[];
        if (rows.length === best.length || attempt > 0) {
          // Distances from the stored float32 values, accumulated in double (as the scan does).
          return rows
            .map((r) => {
              const face = toFace(r);
              return { face, distance: euclidean(face.embedding, query) };
            })
            .sort((a, b) => a.distance - b.distance || a.face.id - b.face.id);
        }
        // A face vanished between the scan and the read (a concurrent writer): rescan once.
        this.seen = undefined;
      }
    } catch (e) {
      throw storeError(this.location, e, 'cannot search');
    }
  }

  async sampleEmbeddings(max: number, options: { model?: string } = {}): Promise<Float32Array[]> {
    return this.run('cannot read embeddings', () => {
      this.syncCaches();
      const models = options.model === undefined ? this.models() : [options.model];
      const rows: { id: number; vector: Float32Array }[] = [];
      const all = models.map((m) => this.matrix(m));
      const total = all.reduce((a, m) => a + m.size, 0);
      for (const i of sampleRows(total, max)) {
        let r = i;
        let j = 0;
        while (r >= all[j].size) r -= all[j++].size;
        rows.push(all[j].row(r));
      }
      return rows.map((r) => r.vector);
    });
  }

  async stats(): Promise<StoreStats> {
    return this.run('cannot read statistics', () => {
      const c = this.q.photoCounts.get() as Omit<StoreStats, 'faces' | 'models'>;
      return {
        photos: c.photos,
        withFaces: c.withFaces,
        faces: this.q.faceCount.pluck().get() as number,
        failed: c.failed,
        noFace: c.noFace,
        models: this.q.models.pluck().all() as string[],
      };
    });
  }

  /**
   * A closing writer leaves the ANN graph of every model version that calls for one built, in
   * step and saved beside the database (after indexing, the first search has nothing to build).
   */
  private async closeAnn(): Promise<void> {
    try {
      if (!this.readonly && this.annOptions.mode !== 'off') {
        this.syncCaches();
        for (const m of this.models()) await this.annFor(m, this.faceCount(m));
      }
      for (const ann of this.anns.values()) if (ann.changed) await this.saveAnn(ann);
    } catch (e) {
      logger.warn(
        `${this.location}: could not bring the ANN index up to date: ${(e as Error).message}`,
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.closeAnn();
    this.closed = true;
    try {
      if (!this.readonly) {
        this.q.clearWriter.run(process.pid);
        leaveWal(this.db, this.location);
      }
    } catch (e) {
      logger.warn(`${this.location}: could not clear the writer record: ${(e as Error).message}`);
    } finally {
      this.matrices.clear();
      this.anns.clear();
      this.db.close();
      this.lock?.release();
    }
  }
}

/** Who the writer row says holds the lock (it may be stale: the lock itself is authoritative). */
function readWriter(db: DB): { pid: number; host: string; since: string } | undefined {
  try {
    const r = db.prepare('SELECT pid, host, since FROM writer WHERE id = 1').get() as
      { pid: number; host: string; since: string } | undefined;
    return r;
  } catch {
    return undefined;
  }
}

function tableNames(db: DB): string[] {
  return db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
}

/**
 * Whether the database already holds the face index (true) or nothing (false); E_STORE when it
 * holds another program's tables.
 */
function foreignTables(db: DB, location: string): boolean {
  const tables = tableNames(db);
  if (tables.includes('meta')) return true;
  if (tables.length > 0) {
    throw new ExprsimError(
      'E_STORE',
      `an SQLite database of something else (tables ${tables.slice(0, 5).join(', ')})`,
      { input: location, fix: 'pass a new file or an exprsim face index as `db`', option: 'db' },
    );
  }
  return false;
}

/** Creates the schema in an empty database; refuses a database that holds something else. */
function initSchema(db: DB, location: string): void {
  const init = db.transaction(() => {
    if (foreignTables(db, location)) return;
    db.exec(SQLITE_SCHEMA);
    const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    put.run('format', STORE_FORMAT);
    put.run('schema_version', String(STORE_SCHEMA_VERSION));
    put.run('created', new Date().toISOString());
  });
  init.immediate();
}

/**
 * The identity of the file SQLite opened (E_STORE for a hard-linked one, see sqlite-lock.ts),
 * checked against SQLite's own name for it (it resolves symlinks the same way).
 */
function openedFile(db: DB, file: string, location: string): FileIdentity {
  const id = databaseIdentity(file, location);
  const main = (db.pragma('database_list') as { name: string; file: string }[]).find(
    (d) => d.name === 'main',
  );
  if (main !== undefined && main.file !== '' && resolve(main.file) !== id.real) {
    checkSameFile(main.file, id, location);
  }
  return id;
}

/**
 * E_STORE naming the file when the database is damaged: SQLite's quick_check (every page and
 * index entry readable and consistent) must pass before a writer changes anything. A new, empty
 * file has nothing to check.
 */
function checkIntact(db: DB, file: string, location: string): void {
  if (statSync(file).size === 0) return;
  const problems = (db.pragma('quick_check(3)') as { quick_check: string }[]).map(
    (r) => r.quick_check,
  );
  if (problems.length === 1 && problems[0] === 'ok') return;
  throw new ExprsimError('E_STORE', `the database is damaged (${problems.join('; ')})`, {
    input: location,
    fix: 'nothing was written to it: restore it from a backup, or index the photos again into a new file as `db`',
    option: 'db',
  });
}

/**
 * What a read-only open that failed says: a WAL-mode index in a folder this process cannot write
 * to cannot be read by SQLite (it must create `<db>-shm` there); a closed index left by this
 * exprsim's writer is in rollback mode and has no such need.
 */
function readonlyOpenError(location: string, e: unknown): ExprsimError {
  const code = (e as { code?: string }).code ?? '';
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN') {
    return new ExprsimError(
      'E_STORE',
      'cannot read the index: it was left in WAL mode and its folder is read-only (SQLite needs to create a -shm file beside it)',
      {
        input: location,
        fix: `open it for writing once (exprsim index with --db ${location}), which leaves it readable from read-only folders, or copy it to a writable folder`,
        cause: e,
      },
    );
  }
  return storeError(location, e, 'cannot open the face index');
}

/**
 * A closing writer turns the database back to rollback journaling when it is the last connection
 * (the WAL is checkpointed first), so the closed index can be read where nothing can be written:
 * read-only media, a folder of another user. With readers still open it stays in WAL mode.
 */
function leaveWal(db: DB, location: string): void {
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('journal_mode = DELETE');
  } catch (e) {
    logger.debug(`${location}: left in WAL mode (${(e as Error).message})`);
  }
}

/** Checks the format and schema version rows. */
function checkSchema(db: DB, location: string): void {
  if (!tableNames(db).includes('meta')) {
    throw new ExprsimError('E_STORE', 'not an exprsim face index (no meta table)', {
      input: location,
      fix: `create one with exprsim index DIR --db ${location}`,
    });
  }
  const get = (k: string) =>
    (db.prepare('SELECT value FROM meta WHERE key = ?').get(k) as { value: string } | undefined)
      ?.value;
  if (get('format') !== STORE_FORMAT) {
    throw new ExprsimError('E_STORE', 'not an exprsim face index (format row missing)', {
      input: location,
      fix: 'pass an exprsim face index or a new file as `db`',
      option: 'db',
    });
  }
  const version = Number(get('schema_version'));
  if (version > STORE_SCHEMA_VERSION) {
    throw new ExprsimError(
      'E_STORE',
      `the face index has schema version ${version}; this exprsim reads up to ${STORE_SCHEMA_VERSION}`,
      { input: location, fix: 'upgrade exprsim' },
    );
  }
  if (version === 1) {
    // Upgraded by the first writer (sqlite-schema.ts); a reader cannot change the file.
    throw new ExprsimError(
      'E_STORE',
      'the face index has schema version 1 (from an older exprsim); it is upgraded when opened for writing',
      {
        input: location,
        fix: `index into it once (exprsim index DIR --db ${location}), which upgrades it in place`,
      },
    );
  }
  if (version !== STORE_SCHEMA_VERSION) {
    throw new ExprsimError('E_STORE', `unsupported schema version ${String(version)}`, {
      input: location,
      fix: 'index the photos again into a new database',
    });
  }
}
