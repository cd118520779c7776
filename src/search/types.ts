/**
 * The face store contract: what `exprsim index` writes and what search, the HTTP API and the
 * web app read. SQLite (embedded default) and PostgreSQL + pgvector implement it, so one
 * machine's index can move to a server database without touching callers.
 */
import type { AnnOptions } from './ann-options.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One photo file under the indexed root. */
export interface PhotoRecord {
  id: number;
  /** Path relative to the store's root, with '/' separators. */
  path: string;
  /** sha256 of the file's bytes (hex): unchanged content is never indexed twice. */
  hash: string;
  size: number;
  width: number;
  height: number;
  /** 'ok' with ≥ 1 face, 'no-face', or 'failed' (unreadable; `error` says why). */
  status: 'ok' | 'no-face' | 'failed';
  error?: string;
  /** ISO time the photo was indexed. */
  indexedAt: string;
}

/**
 * One detected face with its embedding. Faces belong to a photo's content (its sha256): the same
 * file at several paths is embedded once, and each of its faces lists every such path.
 */
export interface FaceRecord {
  id: number;
  /** The first photo (by path) showing this face: the first of `paths`. */
  photoId: number;
  /** The photo's path relative to the root (joined for convenience): `paths[0]`. */
  path: string;
  /** Every path with this content (status 'ok'), in path order (code points, as "C"). */
  paths: string[];
  /** 0-based index within the photo, by detector score. */
  face: number;
  box: Box;
  score: number;
  /** Five (x, y) points in photo pixels when the detector gives them. */
  landmarks?: [number, number][];
  /** The model's embedding (unit length, usually 16-d). */
  embedding: Float32Array;
  /** The model version that made the embedding (manifest id); search only compares like with like. */
  model: string;
}

/** A face to add: the store assigns ids. */
export type NewFace = Omit<FaceRecord, 'id' | 'photoId' | 'path' | 'paths'> & {
  /** A small JPEG of the face crop, for galleries. */
  thumbnail?: Uint8Array;
};

export type NewPhoto = Omit<PhotoRecord, 'id' | 'indexedAt'>;

export interface Neighbour {
  face: FaceRecord;
  /** Euclidean distance between unit embeddings (0..2). */
  distance: number;
}

export interface NearestOptions {
  k: number;
  /** Only faces made by this model version (default: every face). */
  model?: string;
  /** Leave these faces out (e.g. the query face itself). */
  excludeFaceIds?: readonly number[];
  /**
   * HNSW candidate list for this query when the ANN index is used (default the store's
   * `ann.efSearch`, see ann-options.ts): larger finds the true k nearest more often, slower.
   */
  efSearch?: number;
  /** Scan every face even where an ANN index exists (the exact answer, for checks). */
  exact?: boolean;
}

export interface StoreStats {
  photos: number;
  /** Photos with status 'ok'. */
  withFaces: number;
  faces: number;
  failed: number;
  noFace: number;
  models: string[];
}

export interface FaceStore {
  readonly kind: 'sqlite' | 'postgres';
  /** The folder photo paths are relative to (absolute, symlinks resolved). */
  readonly root: string;
  /** Where the store lives, for messages: the database file, or the URL without its password. */
  readonly location: string;
  /** Opened with `readonly: true`: every write throws E_STORE. */
  readonly readonly: boolean;
  /**
   * A photo by its path relative to the root ('/' or the platform separator; an absolute path
   * under the root is accepted too). A path that leaves the root throws E_OUTSIDE_ROOT.
   */
  getPhoto(path: string): Promise<PhotoRecord | undefined>;
  getPhotoById(id: number): Promise<PhotoRecord | undefined>;
  /** Every photo whose content has this sha256 (the same file at other paths), by path. */
  photosWithHash(hash: string): Promise<PhotoRecord[]>;
  /**
   * Writes a photo and its faces in one transaction, replacing any earlier record of the same
   * path (a changed file). Faces belong to the content: status 'ok' replaces the faces of
   * `photo.hash` for every path with that hash. Faces no 'ok' photo shows any more are removed.
   * Returns the photo's id.
   */
  putPhoto(photo: NewPhoto, faces: readonly NewFace[]): Promise<number>;
  /**
   * Records `path` as another file with content `hash` that the store already holds (a photo
   * with status 'ok' or 'no-face'): it copies that record (size, dimensions, status) and shares
   * its faces, nothing is embedded again. E_BAD_OPTION when no such photo exists. Replaces any
   * earlier record of `path`. Returns the photo's id.
   */
  linkPhoto(path: string, hash: string): Promise<number>;
  /**
   * Deletes a photo and its faces (a file that is gone). Returns whether there was one.
   * A path outside the root throws E_OUTSIDE_ROOT.
   */
  deletePhoto(path: string): Promise<boolean>;
  /** Every photo record, by path; `under` (a folder relative to the root) narrows it. */
  listPhotos(options?: { under?: string }): Promise<PhotoRecord[]>;
  getFace(id: number): Promise<FaceRecord | undefined>;
  /** The faces of the photo's content (none unless its status is 'ok'), by face number. */
  facesOfPhoto(photoId: number): Promise<FaceRecord[]>;
  thumbnail(faceId: number): Promise<Uint8Array | undefined>;
  /**
   * The k nearest faces by Euclidean distance, nearest first; ties by face id. Exact, unless
   * the store uses its ANN index for this model version (then nearly always the same faces:
   * recall@10 ≥ 0.99 with the defaults, BENCHMARKS.md), with exact distances either way.
   */
  findNearest(query: Float32Array, options: NearestOptions): Promise<Neighbour[]>;
  /**
   * Up to `max` embeddings of one model version (every version when omitted), a deterministic
   * spread over the store (the same store gives the same sample): what calibration draws random
   * pairs from.
   */
  sampleEmbeddings(max: number, options?: { model?: string }): Promise<Float32Array[]>;
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /**
   * The photo folder. Stored in the database the first time; later opens must name the same
   * folder or one inside it (E_OUTSIDE_ROOT otherwise). Needed to create a store.
   */
  root?: string;
  /**
   * Open for reading only: no writer lock, concurrent with an indexer. Without it the store is
   * the single writer of its database and a second writer gets E_STORE_LOCKED.
   */
  readonly?: boolean;
  /**
   * Approximate nearest-neighbour search (HNSW) for large indexes: by default (`auto`) past
   * `ANN_MIN_FACES` faces (of a model version in SQLite); `mode: 'off'` (or `EXPRSIM_ANN=0`) keeps
   * every search exact. See ann-options.ts and README.md "ANN".
   */
  ann?: AnnOptions;
}
