/**
 * `exprsim index` as one call: a photo folder and an index location in; the store opened (and
 * locked) before the engine and model load, so a second indexer is refused at once; then the
 * model and detector, `indexPhotos`, and the store's totals.
 */
import type { ProgressCallback } from '../core/progress.js';
import { checkDetectorName, openFaceTools, type DetectingFaceTools } from '../embed/face-tools.js';
import { resolveModelPath } from '../models/default-model.js';
import type { AnnOptions } from './ann-options.js';
import { DEFAULT_SEARCH } from './defaults.js';
import type { PhotoModelOptions } from './image-queries.js';
import { indexPhotos, type IndexSummary } from './index-photos.js';
import { openStore } from './open-store.js';
import { redactLocation } from './store-common.js';
import type { FaceStore, StoreStats } from './types.js';

export interface IndexFolderOptions extends PhotoModelOptions {
  /** The photo folder (or a folder inside the one the index already covers). */
  dir: string;
  /** The index: an SQLite file, or a postgres:// URL. */
  db: string;
  /** At most this many faces per photo (highest detector scores); default all. */
  maxFaces?: number;
  /** Remove the records of photos that no longer exist; default `DEFAULT_SEARCH.prune`. */
  prune?: boolean;
  /**
   * The ANN index the closing store builds or keeps (ann-options.ts): default `auto`, past
   * `ANN_MIN_FACES` faces; `hnsw` at any size; `off` leaves none.
   */
  ann?: AnnOptions;
  /** Stop after the photo in progress (every finished photo is committed). */
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface IndexFolderResult extends IndexSummary {
  /** The index location, with any password redacted. */
  db: string;
  kind: FaceStore['kind'];
  /** What the index holds after the run. */
  total: StoreStats;
}

/**
 * Indexes the photos under `dir` into the index at `db` (see `indexPhotos`). Checks the
 * detector name and the model folder first, then opens the store, then loads the model.
 */
export async function indexFolder(options: IndexFolderOptions): Promise<IndexFolderResult> {
  const detector = options.detector ?? DEFAULT_SEARCH.detector;
  await checkDetectorName(detector);
  resolveModelPath(options.model);
  const store = await openStore(options.db, { root: options.dir, ann: options.ann });
  let tools: DetectingFaceTools | undefined;
  try {
    tools = await openFaceTools({ model: options.model, detector, backend: options.backend });
    const s = await indexPhotos(options.dir, store, {
      embedder: tools.embedder,
      detector: tools.detector,
      maxFaces: options.maxFaces,
      margin: options.margin,
      maxPixels: options.maxPixels,
      failOn: options.failOn,
      prune: options.prune,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    const total = await store.stats();
    return { db: redactLocation(options.db), kind: store.kind, ...s, total };
  } finally {
    tools?.dispose();
    await store.close();
  }
}
