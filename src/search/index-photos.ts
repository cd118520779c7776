/**
 * `indexPhotos`: detect and embed the faces of every photo under a folder into a face store.
 * Incremental by content: each file's sha256 is compared with the store's record, so unchanged
 * files are skipped, changed ones replaced, new ones added, and records of deleted files removed.
 * One transaction per photo: a run that is killed or aborted keeps every photo it finished, and
 * the next run carries on. Unreadable files are recorded with status 'failed' and the reason;
 * they never stop the run. A file already indexed that cannot be read this time keeps its record
 * (and faces); an unreadable subfolder is reported and its records are not pruned; symlinks that
 * lead nowhere are reported. The same content at several paths is embedded once: later paths
 * share the first one's faces (`linkPhoto`).
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { ExprsimError, isExprsimError } from '../core/errors.js';
import type { FaceEmbedder } from '../embed/face-embedder.js';
import { fsErrorReason } from '../image/io-errors.js';
import { readImage } from '../image/read.js';
import type { ImageLimits } from '../image/types.js';
import { walkImageFiles } from '../image/walk-files.js';
import { logger } from '../core/logger.js';
import type { ProgressCallback } from '../core/progress.js';
import { embedPhotoFaces } from '../embed/photo-faces.js';
import type { FaceFinder } from '../core/face.js';
import { DEFAULT_SEARCH } from './defaults.js';
import { modelVersion } from './model-version.js';
import { isInside, resolveFolder, toFolderPath, toPhotoPath } from './photo-path.js';
import type { FaceStore, NewFace, NewPhoto } from './types.js';

export interface IndexPhotosOptions extends ImageLimits {
  embedder: FaceEmbedder;
  detector: FaceFinder;
  onProgress?: ProgressCallback;
  /** Stop after the photo in progress (its transaction completes); the summary says so. */
  signal?: AbortSignal;
  /** At most this many faces per photo (highest detector scores); default all. */
  maxFaces?: number;
  /** Margin around detected boxes; default the model's record. */
  margin?: number;
  /** The model version to record; default {@link modelVersion} of the embedder's model. */
  model?: string;
  /** Remove records of photos under the folder that no longer exist; default true. */
  prune?: boolean;
}

export interface IndexFailure {
  /** Relative to the store root. */
  path: string;
  error: string;
}

export interface IndexSummary {
  root: string;
  /** The folder walked (the root or a folder inside it), absolute. */
  folder: string;
  model: string;
  /** Image files found. */
  files: number;
  /** Photos new to the store this run (any status). */
  added: number;
  /** Photos whose content (or model version) changed since they were indexed, redone. */
  changed: number;
  /** Photos skipped: same content, already indexed with this model. */
  unchanged: number;
  /** Records of files that are gone, removed. */
  removed: number;
  /**
   * What failed this run, each listed in `failures`: photos written with status 'failed',
   * indexed photos that could not be read again (their records kept), unreadable folders,
   * broken symlinks and symlinks leading out of the root.
   */
  failed: number;
  /** Photos whose content was already indexed at another path: recorded without embedding. */
  copies: number;
  /** Photos written this run with status 'no-face'. */
  noFace: number;
  /** Faces written this run. */
  faces: number;
  /** This run's failures (see `failed`). */
  failures: IndexFailure[];
  /** True when `signal` stopped the run early. */
  interrupted: boolean;
  seconds: number;
}

function reason(e: unknown): string {
  if (isExprsimError(e)) return e.fix === undefined ? e.message : `${e.message} (${e.fix})`;
  return ((e as Error).message ?? String(e)).split('\n')[0];
}

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/**
 * Indexes the photos under `folder` (the store's root or a folder inside it, E_OUTSIDE_ROOT
 * otherwise) into `store`. See the module comment for what is skipped, redone and recorded.
 */
export async function indexPhotos(
  folder: string,
  store: FaceStore,
  options: IndexPhotosOptions,
): Promise<IndexSummary> {
  const started = performance.now();
  if (store.readonly) {
    throw new ExprsimError('E_STORE', 'cannot index into a store opened read-only', {
      input: store.location,
    });
  }
  const dir = await resolveFolder(folder, 'photo folder');
  if (!isInside(store.root, dir)) {
    throw new ExprsimError(
      'E_OUTSIDE_ROOT',
      `the folder is outside the one this database indexes (${store.root})`,
      { input: folder, fix: `index ${store.root} or a folder inside it, or use another database` },
    );
  }
  const model = options.model ?? modelVersion(options.embedder.model);
  // Symlinked photos are indexed when they stay under the root (no escaping it); an unreadable
  // subfolder is reported, not fatal.
  const walk = await walkImageFiles(dir, {
    followSymlink: (t) => isInside(store.root, t),
    unreadable: 'report',
  });
  const summary: IndexSummary = {
    root: store.root,
    folder: dir,
    model,
    files: walk.files.length,
    added: 0,
    changed: 0,
    unchanged: 0,
    removed: 0,
    failed: 0,
    copies: 0,
    noFace: 0,
    faces: 0,
    failures: [
      ...walk.outside.map((p) => ({
        path: toPhotoPath(store.root, p),
        error: `a symlink to a file outside ${store.root}: not indexed`,
      })),
      ...walk.failed.map((f) => ({ path: toPhotoPath(store.root, f.path), error: f.error })),
    ],
    interrupted: false,
    seconds: 0,
  };
  const total = walk.files.length;
  let done = 0;
  options.onProgress?.({ done, total, label: 'index' });
  const seen = new Set<string>();
  for (const file of walk.files) {
    if (options.signal?.aborted) {
      summary.interrupted = true;
      break;
    }
    const path = toPhotoPath(store.root, file);
    seen.add(path);
    await indexOne(file, path, store, model, options, summary);
    done++;
    options.onProgress?.({ done, total, label: 'index' });
  }
  if (!summary.interrupted && (options.prune ?? DEFAULT_SEARCH.prune)) {
    const under = toPhotoPathOrRoot(store.root, dir);
    // Records under a folder that could not be read are kept: their files may well be there.
    const unread = walk.failed
      .filter((f) => f.kind === 'folder')
      .map((f) => `${toFolderPath(store.root, f.path)}/`);
    for (const p of await store.listPhotos({ under })) {
      if (seen.has(p.path) || unread.some((u) => p.path.startsWith(u))) continue;
      if (await store.deletePhoto(p.path)) summary.removed++;
    }
  }
  summary.failed = summary.failures.length;
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

function toPhotoPathOrRoot(root: string, dir: string): string | undefined {
  return dir === root ? undefined : toPhotoPath(root, dir);
}

/**
 * Records `path` as a copy when the same content is already indexed at another path, with faces
 * of this model (or as a photo without faces): returns the status it now has, or undefined when
 * the content must be embedded (new, or its faces are of another model: embedding it again then
 * replaces them for every path).
 */
async function shareContent(
  path: string,
  hash: string,
  store: FaceStore,
  model: string,
): Promise<'ok' | 'no-face' | undefined> {
  const twins = (await store.photosWithHash(hash)).filter((t) => t.path !== path);
  // Every 'ok' photo of one content shows the same faces: the first one tells.
  const ok = twins.find((t) => t.status === 'ok');
  if (ok !== undefined) {
    const faces = await store.facesOfPhoto(ok.id);
    if (faces.length === 0 || faces.some((f) => f.model !== model)) return undefined;
  } else if (!twins.some((t) => t.status === 'no-face')) {
    return undefined;
  }
  await store.linkPhoto(path, hash);
  return ok === undefined ? 'no-face' : 'ok';
}

async function indexOne(
  file: string,
  path: string,
  store: FaceStore,
  model: string,
  options: IndexPhotosOptions,
  summary: IndexSummary,
): Promise<void> {
  const existing = await store.getPhoto(path);
  const record = async (photo: NewPhoto, faces: NewFace[]) => {
    await store.putPhoto(photo, faces);
    if (existing === undefined) summary.added++;
    else summary.changed++;
    if (photo.status === 'failed') {
      summary.failures.push({ path, error: photo.error ?? 'failed' });
    } else if (photo.status === 'no-face') summary.noFace++;
    summary.faces += faces.length;
  };
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    if (existing !== undefined) {
      // Possibly a passing failure (a network share, a file being replaced): the record and
      // faces from the last run stay; the next run reads it again.
      logger.debug(`${file}: cannot read: ${reason(e)}; record kept`);
      summary.failures.push({
        path,
        error: `cannot read the file: ${fsErrorReason(e)} (kept its record from the last run)`,
      });
      return;
    }
    const size = await stat(file).then(
      (s) => s.size,
      () => 0,
    );
    logger.debug(`${file}: cannot read: ${reason(e)}`);
    await record(
      {
        path,
        hash: EMPTY_SHA256,
        size,
        width: 0,
        height: 0,
        status: 'failed',
        error: `cannot read the file: ${fsErrorReason(e)}`,
      },
      [],
    );
    return;
  }
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (existing !== undefined && existing.hash === hash) {
    const current =
      existing.status !== 'ok' ||
      (await store.facesOfPhoto(existing.id)).every((f) => f.model === model);
    if (current) {
      summary.unchanged++;
      return;
    }
  }
  const shared = bytes.length > 0 ? await shareContent(path, hash, store, model) : undefined;
  if (shared !== undefined) {
    if (existing === undefined) summary.added++;
    else summary.changed++;
    summary.copies++;
    if (shared === 'no-face') summary.noFace++;
    return;
  }
  const base = { path, hash, size: bytes.length };
  if (bytes.length === 0) {
    const error = 'the file is empty (0 bytes): often a failed download or copy';
    await record({ ...base, width: 0, height: 0, status: 'failed', error }, []);
    return;
  }
  let img;
  try {
    img = await readImage(bytes, {
      channels: 3,
      maxPixels: options.maxPixels,
      failOn: options.failOn,
    });
  } catch (e) {
    await record({ ...base, width: 0, height: 0, status: 'failed', error: reason(e) }, []);
    return;
  }
  let faces;
  try {
    faces = await embedPhotoFaces(img, {
      embedder: options.embedder,
      detector: options.detector,
      maxFaces: options.maxFaces,
      margin: options.margin,
      thumbnails: true,
    });
  } catch (e) {
    await record(
      { ...base, width: img.width, height: img.height, status: 'failed', error: reason(e) },
      [],
    );
    return;
  }
  await record(
    {
      ...base,
      width: img.width,
      height: img.height,
      status: faces.length > 0 ? 'ok' : 'no-face',
    },
    faces.map((f) => ({ ...f, model })),
  );
}
