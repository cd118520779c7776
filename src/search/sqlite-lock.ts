/**
 * The single-writer lock of a SQLite store: a RESERVED lock (BEGIN IMMEDIATE) held on a small
 * companion database file, `<db>-lock`, for as long as the writer is open. It is an fcntl lock,
 * so the operating system drops it the moment its process ends, however it ends: a SIGKILLed
 * indexer leaves no stale lock behind (the file stays, unlocked), and pid reuse cannot fool it.
 * Readers never touch it. Who holds it is recorded separately, in the store's `writer` row.
 *
 * The lock is named from the database's **real** path (symlinks resolved), so a symlink to the
 * database finds the same lock. A hard link cannot be told from the original by name, and SQLite
 * keeps a separate write-ahead log per name (which can corrupt the database), so a database file
 * with more than one hard link is refused; after locking, the file is checked to be the one
 * opened (same device and inode), so a rename in between cannot slip past either.
 */
import { realpathSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ExprsimError } from '../core/errors.js';

/** Which file a database path really is. */
export interface FileIdentity {
  /** Its real path (symlinks resolved). */
  real: string;
  dev: number;
  ino: number;
}

/**
 * The identity of the database file at `file` (which exists). E_STORE when it has more than
 * one hard link: opened under two names it would be written through two journals.
 */
export function databaseIdentity(file: string, location: string): FileIdentity {
  const real = realpathSync(file);
  const st = statSync(real);
  if (st.nlink > 1) {
    throw new ExprsimError(
      'E_STORE',
      `the database file has ${st.nlink} hard links: SQLite keeps a separate journal per name, so writing it under two names can corrupt it`,
      {
        input: location,
        fix: `open it under one name only: remove the other links (find / -samefile ${real}), or make an independent copy with cp`,
      },
    );
  }
  return { real, dev: st.dev, ino: st.ino };
}

/** E_STORE unless `file` is still the file `id` describes (it was not swapped after opening). */
export function checkSameFile(file: string, id: FileIdentity, location: string): void {
  const now = databaseIdentity(file, location);
  if (now.real !== id.real || now.dev !== id.dev || now.ino !== id.ino) {
    throw new ExprsimError('E_STORE', 'the database file was replaced while it was being opened', {
      input: location,
      fix: 'make sure nothing else renames or replaces it, and rerun',
    });
  }
}

export interface WriterLock {
  readonly path: string;
  release(): void;
}

/** Takes the lock, or returns undefined at once when another connection holds it. */
export function tryWriterLock(path: string): WriterLock | undefined {
  const db = new Database(path, { timeout: 0 });
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code === 'SQLITE_BUSY') return undefined;
    throw e;
  }
  let held = true;
  return {
    path,
    release() {
      if (!held) return;
      held = false;
      try {
        db.exec('ROLLBACK');
      } finally {
        db.close();
      }
    },
  };
}
