/**
 * The server face store: PostgreSQL with the pgvector extension, same semantics as the SQLite
 * store. Tables are prefixed `exprsim_` so the index can share a database. Embeddings are a
 * pgvector column whose dimension is fixed from the first face written (`vector(16)` for the
 * usual models). Nearest-neighbour search is exact (`ORDER BY embedding <-> $1, id` scans every
 * row) until the table has pgvector's HNSW index `exprsim_faces_hnsw`, which a closing writer
 * creates past `ann.minFaces` faces (or at any size with `ann.mode` 'hnsw'); then searches walk
 * it with `hnsw.ef_search` = the query's efSearch. Each photo is one transaction. The single-writer lock is a session advisory lock
 * held by a dedicated connection: PostgreSQL releases it when that connection ends, so a killed
 * writer never leaves a stale lock.
 */
import { hostname } from 'node:os';
import pg from 'pg';
import { ExprsimError, isExprsimError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { redactLocation } from './store-common.js';
import { reconcileRoot, resolveFolder, toFolderPath, toPhotoPath } from './photo-path.js';
import {
  checkHash,
  checkNewPhoto,
  dimensionError,
  noContentError,
  liveWriter,
  lockedError,
  readonlyError,
} from './records.js';
import { checkK, STORE_FORMAT, STORE_SCHEMA_VERSION } from './store-common.js';
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
import { checkEmbedding, embeddingToText, textToEmbedding } from './vectors.js';
import {
  checkEfSearch,
  resolveAnnOptions,
  wantsAnn,
  type ResolvedAnnOptions,
} from './ann-options.js';

/** pgvector's HNSW index on the embeddings (L2), made by a closing writer (see ensureHnsw). */
const HNSW_INDEX = 'exprsim_faces_hnsw';
/** How long a search trusts that there is no HNSW index before it looks again (ms). */
const HNSW_RECHECK_MS = 5000;

/** pg_try_advisory_lock(LOCK_CLASS, LOCK_ID): 'expr' and 1. */
const LOCK_CLASS = 0x65787072;
const LOCK_ID = 1;

const SCHEMA = `
CREATE TABLE exprsim_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE exprsim_photos (
  id bigserial PRIMARY KEY,
  path text NOT NULL UNIQUE,
  hash text NOT NULL,
  size bigint NOT NULL,
  width integer NOT NULL,
  height integer NOT NULL,
  status text NOT NULL CHECK (status IN ('ok', 'no-face', 'failed')),
  error text,
  indexed_at timestamptz NOT NULL
);
CREATE INDEX exprsim_photos_by_hash ON exprsim_photos (hash, status);
CREATE TABLE exprsim_faces (
  id bigserial PRIMARY KEY,
  hash text NOT NULL,
  face integer NOT NULL,
  box_x double precision NOT NULL,
  box_y double precision NOT NULL,
  box_width double precision NOT NULL,
  box_height double precision NOT NULL,
  score double precision NOT NULL,
  landmarks jsonb,
  model text NOT NULL,
  embedding vector NOT NULL,
  UNIQUE (hash, face)
);
CREATE INDEX exprsim_faces_by_model ON exprsim_faces (model, id);
CREATE TABLE exprsim_thumbnails (
  face_id bigint PRIMARY KEY REFERENCES exprsim_faces (id) ON DELETE CASCADE,
  jpeg bytea NOT NULL
);
CREATE TABLE exprsim_writer (
  id integer PRIMARY KEY CHECK (id = 1),
  pid integer NOT NULL,
  host text NOT NULL,
  since text NOT NULL
);
`;

/** A face's own columns (of `f`, a row of exprsim_faces or a subquery over it). */
const FACE_COLUMNS = `f.id, f.face, f.box_x, f.box_y, f.box_width, f.box_height, f.score,
  f.landmarks, f.model, f.embedding::text AS embedding`;
/**
 * The photos that show a face: faces belong to a content (hash); the photos with that hash and
 * status 'ok' are its paths (by path, "C" order as in SQLite), the first one its photo.
 */
const FACE_PHOTOS = `(SELECT id FROM exprsim_photos WHERE hash = f.hash AND status = 'ok'
    ORDER BY path COLLATE "C" LIMIT 1) AS photo_id,
  array(SELECT path FROM exprsim_photos WHERE hash = f.hash AND status = 'ok'
    ORDER BY path COLLATE "C") AS paths`;
const FACE_SELECT = `SELECT ${FACE_COLUMNS}, ${FACE_PHOTOS} FROM exprsim_faces f`;
/** Faces of content `$1` no 'ok' photo shows any more (their thumbnails cascade). */
const DELETE_ORPHANS = `DELETE FROM exprsim_faces WHERE hash = $1
  AND NOT EXISTS (SELECT 1 FROM exprsim_photos WHERE hash = $1 AND status = 'ok')`;
const UPSERT_PHOTO = `INSERT INTO exprsim_photos (path, hash, size, width, height, status, error, indexed_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, now())
  ON CONFLICT (path) DO UPDATE SET hash = excluded.hash, size = excluded.size,
    width = excluded.width, height = excluded.height, status = excluded.status,
    error = excluded.error, indexed_at = excluded.indexed_at
  RETURNING id`;

interface PhotoRow {
  id: string;
  path: string;
  hash: string;
  size: string;
  width: number;
  height: number;
  status: PhotoRecord['status'];
  error: string | null;
  indexed_at: Date;
}

interface FaceRow {
  id: string;
  photo_id: string;
  paths: string[];
  face: number;
  box_x: number;
  box_y: number;
  box_width: number;
  box_height: number;
  score: number;
  landmarks: [number, number][] | null;
  model: string;
  embedding: string;
}

function toPhoto(r: PhotoRow): PhotoRecord {
  return {
    id: Number(r.id),
    path: r.path,
    hash: r.hash,
    size: Number(r.size),
    width: r.width,
    height: r.height,
    status: r.status,
    ...(r.error === null ? {} : { error: r.error }),
    indexedAt: r.indexed_at.toISOString(),
  };
}

function toFace(r: FaceRow): FaceRecord {
  return {
    id: Number(r.id),
    photoId: Number(r.photo_id),
    path: r.paths[0],
    paths: r.paths,
    face: r.face,
    box: { x: r.box_x, y: r.box_y, width: r.box_width, height: r.box_height },
    score: r.score,
    ...(r.landmarks === null ? {} : { landmarks: r.landmarks }),
    embedding: textToEmbedding(r.embedding),
    model: r.model,
  };
}

function storeError(location: string, e: unknown, doing: string): ExprsimError {
  if (isExprsimError(e)) return e;
  const err = e as { code?: string; message?: string };
  const message = err.message ?? String(e);
  const fix =
    err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'ETIMEDOUT'
      ? 'check that the PostgreSQL server is running and the URL (host, port) is right'
      : err.code === '28P01' || err.code === '28000'
        ? 'check the user name and password in the URL'
        : err.code === '3D000'
          ? 'create the database first (createdb NAME)'
          : /extension "vector"/.test(message) || err.code === '0A000'
            ? 'install pgvector on the server (scripts/install-system-deps.sh), then have a superuser run CREATE EXTENSION vector'
            : undefined;
  return new ExprsimError('E_STORE', `${doing}: ${message.split('\n')[0]}`, {
    input: location,
    fix,
    cause: e,
  });
}

export class PostgresFaceStore implements FaceStore {
  readonly kind = 'postgres' as const;
  readonly root: string;
  readonly location: string;
  readonly readonly: boolean;
  private readonly pool: pg.Pool;
  private readonly lockClient?: pg.Client;
  private dimension: number | undefined;
  private closed = false;
  private readonly annOptions: ResolvedAnnOptions;
  /** Whether exprsim_faces_hnsw exists, and when that was last looked up. */
  private hnsw: { exists: boolean; checked: number } | undefined;

  private constructor(
    pool: pg.Pool,
    location: string,
    root: string,
    readonly: boolean,
    lockClient: pg.Client | undefined,
    dimension: number | undefined,
    annOptions: ResolvedAnnOptions,
  ) {
    this.annOptions = annOptions;
    this.pool = pool;
    this.location = location;
    this.root = root;
    this.readonly = readonly;
    this.lockClient = lockClient;
    this.dimension = dimension;
  }

  /** Opens (creating the tables when writable) the store at a postgres:// URL. */
  static async open(url: string, options: OpenStoreOptions = {}): Promise<PostgresFaceStore> {
    const location = redactLocation(url);
    const readonly = options.readonly ?? false;
    const annOptions = resolveAnnOptions(options.ann, 'postgres');
    const requested =
      options.root === undefined ? undefined : await resolveFolder(options.root, 'photo folder');
    const pool = new pg.Pool({ connectionString: url, max: 4, idleTimeoutMillis: 10_000 });
    pool.on('error', (e) => logger.warn(`${location}: idle connection error: ${e.message}`));
    let lockClient: pg.Client | undefined;
    try {
      if (!readonly) {
        lockClient = new pg.Client({ connectionString: url });
        lockClient.on('error', (e) =>
          logger.warn(`${location}: writer lock connection lost: ${e.message}`),
        );
        await lockClient.connect();
        const got = await lockClient.query<{ ok: boolean }>(
          'SELECT pg_try_advisory_lock($1, $2) AS ok',
          [LOCK_CLASS, LOCK_ID],
        );
        if (!got.rows[0].ok)
          throw lockedError(location, liveWriter(await readWriter(pool), hostname()));
        await initSchema(pool, location);
        await upgradeSchema(pool, location);
      }
      await checkSchema(pool, location);
      const meta = await readMeta(pool);
      const { root, isNew } = reconcileRoot(meta.get('root'), requested, location);
      if (isNew) {
        await pool.query("INSERT INTO exprsim_meta (key, value) VALUES ('root', $1)", [root]);
      }
      if (!readonly) {
        await pool.query(
          `INSERT INTO exprsim_writer (id, pid, host, since) VALUES (1, $1, $2, $3)
           ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, host = excluded.host, since = excluded.since`,
          [process.pid, hostname(), new Date().toISOString()],
        );
      }
      const dim = meta.get('dimension');
      logger.debug(`opened ${readonly ? 'read-only ' : ''}PostgreSQL face store ${location}`);
      return new PostgresFaceStore(
        pool,
        location,
        root,
        readonly,
        lockClient,
        dim === undefined ? undefined : Number(dim),
        annOptions,
      );
    } catch (e) {
      await lockClient?.end().catch(() => undefined);
      await pool.end().catch(() => undefined);
      throw storeError(location, e, 'cannot open the face index');
    }
  }

  private async run<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed)
      throw new ExprsimError('E_STORE', 'the store is closed', { input: this.location });
    try {
      return await fn();
    } catch (e) {
      throw storeError(this.location, e, doing);
    }
  }

  async getPhoto(path: string): Promise<PhotoRecord | undefined> {
    const rel = toPhotoPath(this.root, path);
    return this.run('cannot read a photo', async () => {
      const r = await this.pool.query<PhotoRow>('SELECT * FROM exprsim_photos WHERE path = $1', [
        rel,
      ]);
      return r.rows[0] && toPhoto(r.rows[0]);
    });
  }

  async getPhotoById(id: number): Promise<PhotoRecord | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    return this.run('cannot read a photo', async () => {
      const r = await this.pool.query<PhotoRow>('SELECT * FROM exprsim_photos WHERE id = $1', [id]);
      return r.rows[0] && toPhoto(r.rows[0]);
    });
  }

  async listPhotos(options: { under?: string } = {}): Promise<PhotoRecord[]> {
    const folder = toFolderPath(this.root, options.under);
    return this.run('cannot list photos', async () => {
      const r =
        folder === ''
          ? await this.pool.query<PhotoRow>(
              'SELECT * FROM exprsim_photos ORDER BY path COLLATE "C"',
            )
          : await this.pool.query<PhotoRow>(
              `SELECT * FROM exprsim_photos WHERE left(path, length($1) + 1) = $1 || '/'
               ORDER BY path COLLATE "C"`,
              [folder],
            );
      return r.rows.map(toPhoto);
    });
  }

  async photosWithHash(hash: string): Promise<PhotoRecord[]> {
    checkHash(hash);
    return this.run('cannot read photos', async () => {
      const r = await this.pool.query<PhotoRow>(
        'SELECT * FROM exprsim_photos WHERE hash = $1 ORDER BY path COLLATE "C"',
        [hash],
      );
      return r.rows.map(toPhoto);
    });
  }

  /** Runs `fn` in one transaction on one connection. */
  private async transaction<T>(doing: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.run(doing, async () => {
      const c = await this.pool.connect();
      try {
        await c.query('BEGIN');
        const out = await fn(c);
        await c.query('COMMIT');
        return out;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    });
  }

  async putPhoto(photo: NewPhoto, faces: readonly NewFace[]): Promise<number> {
    return (await this.putPhotos([{ photo, faces }]))[0];
  }

  /**
   * Bulk `putPhoto`: every photo and its faces in one transaction (all or nothing). Same checks
   * and semantics as {@link putPhoto}, in order; returns the photo ids.
   */
  async putPhotos(
    items: readonly { photo: NewPhoto; faces: readonly NewFace[] }[],
  ): Promise<number[]> {
    if (this.readonly) throw readonlyError(this.location);
    let known = this.dimension;
    const checked = items.map(({ photo, faces }) => {
      const path = toPhotoPath(this.root, photo.path);
      const dim = checkNewPhoto(photo, faces);
      if (dim !== undefined && known !== undefined && dim !== known) {
        throw dimensionError(this.location, dim, known);
      }
      known ??= dim;
      return { path, photo, faces, dim };
    });
    let typed = this.dimension !== undefined;
    const ids = await this.transaction('cannot write the photo', async (c) => {
      const out: number[] = [];
      for (const { path, photo, faces, dim } of checked) {
        out.push(await this.writePhoto(c, path, photo, faces, typed ? undefined : dim));
        if (dim !== undefined) typed = true;
      }
      return out;
    });
    this.dimension ??= known;
    return ids;
  }

  /** One photo of putPhotos, in its transaction; `newDim` fixes the column's dimension first. */
  private async writePhoto(
    c: pg.PoolClient,
    path: string,
    photo: NewPhoto,
    faces: readonly NewFace[],
    newDim: number | undefined,
  ): Promise<number> {
    const old = await c.query<{ hash: string }>('SELECT hash FROM exprsim_photos WHERE path = $1', [
      path,
    ]);
    const r = await c.query<{ id: string }>(UPSERT_PHOTO, [
      path,
      photo.hash,
      photo.size,
      photo.width,
      photo.height,
      photo.status,
      photo.error ?? null,
    ]);
    // The content's one set of faces: replaced for every path that shows it.
    if (photo.status === 'ok') {
      await c.query('DELETE FROM exprsim_faces WHERE hash = $1', [photo.hash]);
    } else {
      await c.query(DELETE_ORPHANS, [photo.hash]);
    }
    const was = old.rows[0]?.hash;
    if (was !== undefined && was !== photo.hash) await c.query(DELETE_ORPHANS, [was]);
    if (newDim !== undefined) {
      // The first faces fix the column's dimension (the table is empty, so this is instant).
      await c.query(`ALTER TABLE exprsim_faces ALTER COLUMN embedding TYPE vector(${newDim})`);
      await c.query(
        "INSERT INTO exprsim_meta (key, value) VALUES ('dimension', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [String(newDim)],
      );
    }
    for (const f of faces) {
      const fr = await c.query<{ id: string }>(
        `INSERT INTO exprsim_faces (hash, face, box_x, box_y, box_width, box_height, score,
           landmarks, model, embedding)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::vector) RETURNING id`,
        [
          photo.hash,
          f.face,
          f.box.x,
          f.box.y,
          f.box.width,
          f.box.height,
          f.score,
          f.landmarks === undefined ? null : JSON.stringify(f.landmarks),
          f.model,
          embeddingToText(f.embedding),
        ],
      );
      if (f.thumbnail !== undefined) {
        await c.query('INSERT INTO exprsim_thumbnails (face_id, jpeg) VALUES ($1, $2)', [
          fr.rows[0].id,
          Buffer.from(f.thumbnail),
        ]);
      }
    }
    return Number(r.rows[0].id);
  }

  async linkPhoto(path: string, hash: string): Promise<number> {
    if (this.readonly) throw readonlyError(this.location);
    const rel = toPhotoPath(this.root, path);
    checkHash(hash, path);
    return this.transaction('cannot write the photo', async (c) => {
      const from = await c.query<PhotoRow>(
        `SELECT * FROM exprsim_photos WHERE hash = $1 AND status IN ('ok', 'no-face')
         ORDER BY status = 'ok' DESC, path COLLATE "C" LIMIT 1`,
        [hash],
      );
      const src = from.rows[0];
      if (src === undefined) throw noContentError(path, hash);
      const old = await c.query<{ hash: string }>(
        'SELECT hash FROM exprsim_photos WHERE path = $1',
        [rel],
      );
      const r = await c.query<{ id: string }>(UPSERT_PHOTO, [
        rel,
        hash,
        src.size,
        src.width,
        src.height,
        src.status,
        src.error,
      ]);
      const was = old.rows[0]?.hash;
      if (was !== undefined && was !== hash) await c.query(DELETE_ORPHANS, [was]);
      return Number(r.rows[0].id);
    });
  }

  async deletePhoto(path: string): Promise<boolean> {
    if (this.readonly) throw readonlyError(this.location);
    const rel = toPhotoPath(this.root, path);
    return this.transaction('cannot delete the photo', async (c) => {
      const r = await c.query<{ hash: string }>(
        'DELETE FROM exprsim_photos WHERE path = $1 RETURNING hash',
        [rel],
      );
      if (r.rows.length === 0) return false;
      await c.query(DELETE_ORPHANS, [r.rows[0].hash]);
      return true;
    });
  }

  async getFace(id: number): Promise<FaceRecord | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    return this.run('cannot read a face', async () => {
      const r = await this.pool.query<FaceRow>(`${FACE_SELECT} WHERE f.id = $1`, [id]);
      return r.rows[0] && toFace(r.rows[0]);
    });
  }

  async facesOfPhoto(photoId: number): Promise<FaceRecord[]> {
    if (!Number.isSafeInteger(photoId)) return [];
    return this.run('cannot read faces', async () => {
      const r = await this.pool.query<FaceRow>(
        `${FACE_SELECT}
         WHERE f.hash = (SELECT hash FROM exprsim_photos WHERE id = $1 AND status = 'ok')
         ORDER BY f.face`,
        [photoId],
      );
      return r.rows.map(toFace);
    });
  }

  async thumbnail(faceId: number): Promise<Uint8Array | undefined> {
    if (!Number.isSafeInteger(faceId)) return undefined;
    return this.run('cannot read a thumbnail', async () => {
      const r = await this.pool.query<{ jpeg: Buffer }>(
        'SELECT jpeg FROM exprsim_thumbnails WHERE face_id = $1',
        [faceId],
      );
      return r.rows[0] && new Uint8Array(r.rows[0].jpeg);
    });
  }

  /** The store's embedding dimension (re-read while unknown: another process may have set it). */
  private async currentDimension(): Promise<number | undefined> {
    if (this.dimension === undefined) {
      const d = (await readMeta(this.pool)).get('dimension');
      this.dimension = d === undefined ? undefined : Number(d);
    }
    return this.dimension;
  }

  /** Whether searches can walk the HNSW index (looked up again after HNSW_RECHECK_MS). */
  private async hnswReady(): Promise<boolean> {
    const now = Date.now();
    if (
      this.hnsw === undefined ||
      (!this.hnsw.exists && now - this.hnsw.checked > HNSW_RECHECK_MS)
    ) {
      this.hnsw = { exists: await hasTable(this.pool, HNSW_INDEX), checked: now };
    }
    return this.hnsw.exists;
  }

  async findNearest(query: Float32Array, options: NearestOptions): Promise<Neighbour[]> {
    const k = checkK(options.k);
    const ef =
      options.efSearch === undefined ? this.annOptions.efSearch : checkEfSearch(options.efSearch);
    return this.run('cannot search', async () => {
      const dim = await this.currentDimension();
      if (dim === undefined || k === 0) return [];
      checkEmbedding(query, 'the query embedding', dim);
      const params = [
        embeddingToText(query),
        options.model ?? null,
        options.excludeFaceIds ?? [],
        k,
      ];
      const filter = `($2::text IS NULL OR f.model = $2) AND NOT (f.id = ANY ($3::bigint[]))`;
      if (options.exact === true || this.annOptions.mode === 'off' || !(await this.hnswReady())) {
        // Exact: ordering by (distance, id) cannot use the HNSW index, so every row is scanned.
        // The k nearest first, then their photos (not one photo lookup per face scanned).
        const r = await this.pool.query<FaceRow & { distance: number }>(
          `SELECT f.*, ${FACE_PHOTOS} FROM (
             SELECT ${FACE_COLUMNS}, f.hash, f.embedding <-> $1::vector AS distance
             FROM exprsim_faces f
             WHERE ${filter}
             ORDER BY distance, f.id
             LIMIT $4
           ) f
           ORDER BY f.distance, f.id`,
          params,
        );
        return r.rows.map((row) => ({ face: toFace(row), distance: row.distance }));
      }
      // HNSW: ORDER BY the distance alone walks the index with ef_search candidates; an
      // iterative scan goes on past faces the filter drops (another model version, excluded).
      const c = await this.pool.connect();
      try {
        await c.query('BEGIN');
        await c.query(
          `SELECT set_config('hnsw.ef_search', '${Math.max(ef, Math.min(k, 1000))}', true),
             set_config('hnsw.iterative_scan', 'relaxed_order', true)`,
        );
        const r = await c.query<FaceRow & { distance: number }>(
          `SELECT f.*, ${FACE_PHOTOS} FROM (
             SELECT ${FACE_COLUMNS}, f.hash, f.embedding <-> $1::vector AS distance
             FROM exprsim_faces f
             WHERE ${filter}
             ORDER BY f.embedding <-> $1::vector
             LIMIT $4
           ) f
           ORDER BY f.distance, f.id`,
          params,
        );
        await c.query('COMMIT');
        return r.rows.map((row) => ({ face: toFace(row), distance: row.distance }));
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    });
  }

  /**
   * Creates the HNSW index when the store calls for one (ann-options.ts `wantsAnn` on the face
   * count) and it is not there yet; PostgreSQL keeps it up to date from then on. A writer does
   * this when it closes (after indexing: one bulk build beats growing it photo by photo).
   * Returns whether the index exists now.
   */
  async ensureHnsw(): Promise<boolean> {
    if (this.readonly) throw readonlyError(this.location);
    return this.run('cannot create the HNSW index', async () => {
      if (await hasTable(this.pool, HNSW_INDEX)) return true;
      const dim = await this.currentDimension();
      const faces = Number(
        (await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM exprsim_faces')).rows[0].n,
      );
      if (dim === undefined || !wantsAnn(this.annOptions, faces)) return false;
      const started = performance.now();
      logger.info(
        `${this.location}: building the HNSW index of ${faces} faces (7 to 8 minutes per million faces on a busy 2-core machine)`,
      );
      const c = await this.pool.connect();
      try {
        // The graph is built in memory when it fits (it is much slower when it does not).
        await c.query("SET maintenance_work_mem = '1GB'");
        await c.query(
          `CREATE INDEX IF NOT EXISTS ${HNSW_INDEX} ON exprsim_faces
           USING hnsw (embedding vector_l2_ops)
           WITH (m = ${this.annOptions.m}, ef_construction = ${this.annOptions.efConstruction})`,
        );
        await c.query('RESET maintenance_work_mem');
      } finally {
        c.release();
      }
      this.hnsw = { exists: true, checked: Date.now() };
      logger.info(
        `${this.location}: built the HNSW index of ${faces} faces in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      return true;
    });
  }

  async sampleEmbeddings(max: number, options: { model?: string } = {}): Promise<Float32Array[]> {
    const n = Math.max(0, Math.floor(Math.min(max, Number.MAX_SAFE_INTEGER)));
    return this.run('cannot read embeddings', async () => {
      if (n === 0) return [];
      // Rows at floor(i·total/n), i < n (all rows when they fit), in id order: the same spread
      // as the SQLite store.
      const r = await this.pool.query<{ embedding: string }>(
        `WITH numbered AS (
           SELECT embedding, row_number() OVER (ORDER BY id) - 1 AS r, count(*) OVER () AS total
           FROM exprsim_faces WHERE ($1::text IS NULL OR model = $1)
         ), pick AS (
           SELECT embedding, r, total, least($2::bigint, total) AS n,
             ceil(r::numeric * least($2::bigint, total) / total) AS i
           FROM numbered
         )
         SELECT embedding::text AS embedding FROM pick
         WHERE i < n AND floor(i * total / n) = r
         ORDER BY r`,
        [options.model ?? null, n],
      );
      return r.rows.map((row) => textToEmbedding(row.embedding));
    });
  }

  async stats(): Promise<StoreStats> {
    return this.run('cannot read statistics', async () => {
      const p = await this.pool.query<{
        photos: string;
        with_faces: string;
        failed: string;
        no_face: string;
      }>(
        `SELECT count(*) AS photos, count(*) FILTER (WHERE status = 'ok') AS with_faces,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'no-face') AS no_face FROM exprsim_photos`,
      );
      const f = await this.pool.query<{ faces: string }>(
        'SELECT count(*) AS faces FROM exprsim_faces',
      );
      const m = await this.pool.query<{ model: string }>(
        'SELECT DISTINCT model COLLATE "C" AS model FROM exprsim_faces ORDER BY 1',
      );
      const row = p.rows[0];
      return {
        photos: Number(row.photos),
        withFaces: Number(row.with_faces),
        faces: Number(f.rows[0].faces),
        failed: Number(row.failed),
        noFace: Number(row.no_face),
        models: m.rows.map((x) => x.model),
      };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.readonly && this.annOptions.mode !== 'off') {
      await this.ensureHnsw().catch((e: Error) =>
        logger.warn(`${this.location}: could not create the HNSW index: ${e.message}`),
      );
    }
    this.closed = true;
    try {
      if (!this.readonly) {
        await this.pool.query('DELETE FROM exprsim_writer WHERE id = 1 AND pid = $1', [
          process.pid,
        ]);
      }
    } catch (e) {
      logger.warn(`${this.location}: could not clear the writer record: ${(e as Error).message}`);
    } finally {
      await this.pool.end().catch(() => undefined);
      // Ending the session releases the advisory lock.
      await this.lockClient?.end().catch(() => undefined);
    }
  }
}

async function readMeta(pool: pg.Pool): Promise<Map<string, string>> {
  const r = await pool.query<{ key: string; value: string }>('SELECT key, value FROM exprsim_meta');
  return new Map(r.rows.map((x) => [x.key, x.value]));
}

async function readWriter(
  pool: pg.Pool,
): Promise<{ pid: number; host: string; since: string } | undefined> {
  try {
    const r = await pool.query<{ pid: number; host: string; since: string }>(
      'SELECT pid, host, since FROM exprsim_writer WHERE id = 1',
    );
    return r.rows[0];
  } catch {
    return undefined;
  }
}

async function hasTable(pool: pg.Pool | pg.PoolClient, name: string): Promise<boolean> {
  const r = await pool.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name]);
  return r.rows[0].t !== null;
}

/** Creates the extension and tables when absent (the caller holds the writer lock). */
async function initSchema(pool: pg.Pool, location: string): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    if (!(await hasTable(c, 'exprsim_meta'))) {
      await c.query('CREATE EXTENSION IF NOT EXISTS vector');
      await c.query(SCHEMA);
      await c.query('INSERT INTO exprsim_meta (key, value) VALUES ($1, $2), ($3, $4), ($5, $6)', [
        'format',
        STORE_FORMAT,
        'schema_version',
        String(STORE_SCHEMA_VERSION),
        'created',
        new Date().toISOString(),
      ]);
      logger.info(`${location}: created the exprsim face index tables`);
    }
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

/**
 * Upgrades a schema version 1 index (faces per path) to version 2 (faces per content, shared by
 * every path with that hash) in one transaction: each content keeps the faces of its first 'ok'
 * path (by path, "C" order), the other paths' duplicates and their thumbnails go, ids are kept.
 * The same upgrade as the SQLite store's (sqlite-schema.ts). The caller holds the writer lock.
 */
async function upgradeSchema(pool: pg.Pool, location: string): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const v = await c.query<{ value: string }>(
      "SELECT value FROM exprsim_meta WHERE key = 'schema_version' FOR UPDATE",
    );
    if (v.rows[0]?.value !== '1') {
      await c.query('ROLLBACK');
      return;
    }
    await c.query('ALTER TABLE exprsim_faces ADD COLUMN hash text');
    await c.query(
      'UPDATE exprsim_faces f SET hash = p.hash FROM exprsim_photos p WHERE p.id = f.photo_id',
    );
    const dropped = await c.query(
      `DELETE FROM exprsim_faces f USING exprsim_photos p
       WHERE p.id = f.photo_id AND (p.status <> 'ok' OR p.path COLLATE "C" <>
         (SELECT min(q.path COLLATE "C") FROM exprsim_photos q
          WHERE q.hash = p.hash AND q.status = 'ok'))`,
    );
    await c.query('ALTER TABLE exprsim_faces DROP COLUMN photo_id');
    await c.query('ALTER TABLE exprsim_faces ALTER COLUMN hash SET NOT NULL');
    await c.query('ALTER TABLE exprsim_faces ADD UNIQUE (hash, face)');
    await c.query('CREATE INDEX exprsim_photos_by_hash ON exprsim_photos (hash, status)');
    await c.query("UPDATE exprsim_meta SET value = '2' WHERE key = 'schema_version'");
    await c.query('COMMIT');
    logger.info(
      `${location}: upgraded the face index to schema version 2 (faces kept once per photo content; ${dropped.rowCount ?? 0} duplicate faces removed)`,
    );
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

async function checkSchema(pool: pg.Pool, location: string): Promise<void> {
  if (!(await hasTable(pool, 'exprsim_meta'))) {
    throw new ExprsimError('E_STORE', 'no exprsim face index in this database', {
      input: location,
      fix: `create one with exprsim index DIR --db ${location}`,
    });
  }
  const meta = await readMeta(pool);
  if (meta.get('format') !== STORE_FORMAT) {
    throw new ExprsimError('E_STORE', 'exprsim_meta is not an exprsim face index', {
      input: location,
    });
  }
  const version = Number(meta.get('schema_version'));
  if (version > STORE_SCHEMA_VERSION) {
    throw new ExprsimError(
      'E_STORE',
      `the face index has schema version ${version}; this exprsim reads up to ${STORE_SCHEMA_VERSION}`,
      { input: location, fix: 'upgrade exprsim' },
    );
  }
  if (version === 1) {
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
