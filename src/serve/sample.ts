import { rm } from 'node:fs/promises';
import type { FaceFinder } from '../core/face.js';
import { join } from 'node:path';
import { isExprsimError } from '../core/errors.js';
import type { FaceEmbedder } from '../embed/face-embedder.js';
import type { ProgressCallback } from '../core/progress.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import { indexPhotos, openStore, type FaceStore, type IndexSummary } from '../search/index.js';

/** The photos the repository ships for the sample collection (provenance in SOURCE.md there). */
export const SAMPLE_PHOTOS = join(PACKAGE_ROOT, 'samples', 'photos');
/** Where the sample index is built: a cache outside git, rebuilt when missing or stale. */
export const SAMPLE_INDEX = join(PACKAGE_ROOT, '.cache', 'sample-index.sqlite');

export interface SampleIndexOptions {
  embedder: FaceEmbedder;
  detector: FaceFinder;
  /** Default {@link SAMPLE_PHOTOS}. */
  photos?: string;
  /** Default {@link SAMPLE_INDEX}. */
  location?: string;
  onProgress?: ProgressCallback;
}

/**
 * Opens the sample index (read-only), building it on first use: photos already indexed with this
 * model are skipped, so later starts only check hashes. A cache that cannot be used (made for another
 * folder, e.g. after the checkout moved, or damaged) is deleted and built again.
 */
export async function openSampleIndex(
  o: SampleIndexOptions,
): Promise<{ store: FaceStore; summary: IndexSummary }> {
  const photos = o.photos ?? SAMPLE_PHOTOS;
  const location = o.location ?? SAMPLE_INDEX;
  let store: FaceStore;
  try {
    store = await openStore(location, { root: photos });
  } catch (e) {
    if (!isExprsimError(e) || (e.code !== 'E_OUTSIDE_ROOT' && e.code !== 'E_STORE')) throw e;
    await Promise.all(['', '-wal', '-shm'].map((s) => rm(`${location}${s}`, { force: true })));
    store = await openStore(location, { root: photos });
  }
  let summary: IndexSummary;
  try {
    summary = await indexPhotos(photos, store, {
      embedder: o.embedder,
      detector: o.detector,
      onProgress: o.onProgress,
    });
  } finally {
    await store.close();
  }
  // Served read-only: no writer lock held while serving, so another start can check the index.
  return { store: await openStore(location, { readonly: true }), summary };
}
