/**
 * The single-writer lock of a SQLite store: a RESERVED lock (BEGIN IMMEDIATE) held on a small
 * companion database file, `<db>-lock`, for as long as the writer is open. It is an fcntl lock,
 * so the operating system drops it the moment its process ends, however it ends: a SIGKILLed
 * indexer leaves no stale lock behind (the file stays, unlocked), and pid reuse cannot fool it.
 * Readers never touch it. Who holds it is recorded separately, in the store's `writer` row.
 */
import Database from 'better-sqlite3';

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
