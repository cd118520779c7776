/** Checks on what callers hand a store, shared by the SQLite and PostgreSQL stores. */
import { ExprsimError } from '../core/errors.js';
import { checkEmbedding } from './vectors.js';
import type { NewFace, NewPhoto, PhotoRecord } from './types.js';

const STATUSES: readonly PhotoRecord['status'][] = ['ok', 'no-face', 'failed'];

function bad(message: string, input?: string): ExprsimError {
  return new ExprsimError('E_BAD_OPTION', message, { input });
}

function finite(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** Throws E_BAD_OPTION for an inconsistent photo/faces pair; returns the embedding dimension. */
export function checkNewPhoto(photo: NewPhoto, faces: readonly NewFace[]): number | undefined {
  const p = photo.path;
  if (!STATUSES.includes(photo.status)) throw bad(`photo status must be ${STATUSES.join(', ')}`, p);
  if (!/^[0-9a-f]{64}$/.test(photo.hash)) throw bad('photo hash must be 64 hex digits (sha256)', p);
  for (const k of ['size', 'width', 'height'] as const) {
    if (!Number.isInteger(photo[k]) || photo[k] < 0)
      throw bad(`photo ${k} must be a whole number ≥ 0`, p);
  }
  if ((photo.status === 'ok') !== faces.length > 0) {
    throw bad(`a photo has status 'ok' exactly when it has faces (${faces.length} given)`, p);
  }
  let dimension: number | undefined;
  const seen = new Set<number>();
  for (const f of faces) {
    if (!Number.isInteger(f.face) || f.face < 0 || seen.has(f.face)) {
      throw bad('face numbers must be distinct whole numbers ≥ 0', p);
    }
    seen.add(f.face);
    const b = f.box;
    if (!b || ![b.x, b.y, b.width, b.height].every(finite) || b.width <= 0 || b.height <= 0) {
      throw bad(`face ${f.face}: box must be finite with positive size`, p);
    }
    if (!finite(f.score)) throw bad(`face ${f.face}: score must be finite`, p);
    if (
      f.landmarks !== undefined &&
      !(
        Array.isArray(f.landmarks) &&
        f.landmarks.every((pt) => Array.isArray(pt) && pt.length === 2 && pt.every(finite))
      )
    ) {
      throw bad(`face ${f.face}: landmarks must be [x, y] pairs`, p);
    }
    if (typeof f.model !== 'string' || f.model === '')
      throw bad(`face ${f.face}: model version missing`, p);
    checkEmbedding(f.embedding, `${p} face ${f.face} embedding`, dimension);
    dimension = f.embedding.length;
    if (f.thumbnail !== undefined && !(f.thumbnail instanceof Uint8Array)) {
      throw bad(`face ${f.face}: thumbnail must be bytes`, p);
    }
  }
  return dimension;
}

/** E_BAD_OPTION unless `hash` is a sha256 in hex (64 lower-case hex digits). */
export function checkHash(hash: unknown, input?: string): void {
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) {
    throw bad('photo hash must be 64 hex digits (sha256)', input ?? String(hash));
  }
}

/** E_BAD_OPTION for linkPhoto with a content the store does not hold. */
export function noContentError(path: string, hash: string): ExprsimError {
  return new ExprsimError(
    'E_BAD_OPTION',
    `no photo with content ${hash.slice(0, 12)}… is indexed to share its faces`,
    { input: path, fix: 'write the photo with putPhoto (its faces) instead' },
  );
}

/** E_STORE for a write to a store opened read-only. */
export function readonlyError(location: string): ExprsimError {
  return new ExprsimError('E_STORE', 'the store was opened read-only', {
    input: location,
    fix: 'open it without readonly to write',
  });
}

/** E_STORE for an embedding dimension that differs from the store's. */
export function dimensionError(location: string, got: number, want: number): ExprsimError {
  return new ExprsimError('E_STORE', `the store holds ${want}-d embeddings; these are ${got}-d`, {
    input: location,
    fix: 'index with a model of the same embedding size, or use a new database',
  });
}

/**
 * The writer record if it can be trusted: a record of a process on this host that no longer
 * exists (killed while holding the lock, before the new holder wrote its own) is dropped.
 */
export function liveWriter(
  holder: { pid: number; host: string; since: string } | undefined,
  thisHost: string,
): { pid: number; host: string; since: string } | undefined {
  if (holder === undefined || holder.host !== thisHost) return holder;
  try {
    process.kill(holder.pid, 0);
    return holder;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? holder : undefined;
  }
}

/** The writer lock is held elsewhere. */
export function lockedError(
  location: string,
  holder: { pid?: number; host?: string; since?: string } | undefined,
): ExprsimError {
  const who =
    holder?.pid !== undefined
      ? `process ${holder.pid}${holder.host ? ` on ${holder.host}` : ''}${holder.since ? ` (since ${holder.since})` : ''}`
      : 'another process';
  return new ExprsimError('E_STORE_LOCKED', `the database is being written by ${who}`, {
    input: location,
    fix:
      holder?.pid !== undefined
        ? `wait for it to finish, or stop it (kill ${holder.pid}); a killed writer releases the lock at once`
        : 'wait for the other writer to finish',
  });
}
