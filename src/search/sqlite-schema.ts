/**
 * The SQLite face index's tables (schema version 2) and the upgrade from version 1.
 *
 * Version 2 keeps one set of faces per photo **content** (sha256): `faces.hash` instead of
 * `faces.photo_id`, so the same file at two paths is embedded once and both paths show its
 * faces. Version 1 databases (faces per path) are upgraded in place by the first writer that
 * opens them, in one transaction: each content keeps the faces of its first path (by path), the
 * duplicates of other paths and their thumbnails are dropped, face ids are kept.
 */
import { ExprsimError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import type Database from 'better-sqlite3';

type DB = Database.Database;

/** The faces table of schema version 2, under `name` (the upgrade builds it beside the old one). */
function facesTable(name: string): string {
  return `CREATE TABLE ${name} (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hash TEXT NOT NULL,
  face INTEGER NOT NULL,
  box_x REAL NOT NULL,
  box_y REAL NOT NULL,
  box_width REAL NOT NULL,
  box_height REAL NOT NULL,
  score REAL NOT NULL,
  landmarks TEXT,
  model TEXT NOT NULL,
  embedding BLOB NOT NULL,
  UNIQUE (hash, face)
);`;
}

/** Every table of a new face index (schema version 2). */
export const SQLITE_SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE photos (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  path TEXT NOT NULL UNIQUE,
  hash TEXT NOT NULL,
  size INTEGER NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'no-face', 'failed')),
  error TEXT,
  indexed_at TEXT NOT NULL
);
CREATE INDEX photos_by_hash ON photos (hash, status);
${facesTable('faces')}
CREATE INDEX faces_by_model ON faces (model, id);
CREATE TABLE thumbnails (
  face_id INTEGER PRIMARY KEY REFERENCES faces (id) ON DELETE CASCADE,
  jpeg BLOB NOT NULL
);
CREATE TABLE writer (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  since TEXT NOT NULL
);
`;

/**
 * Upgrades a version 1 index to version 2 (see the module comment); nothing for other versions.
 * The caller holds the writer lock. Foreign keys are off during the rebuild (SQLite's procedure
 * for changing a table), checked before the commit.
 */
export function upgradeSqliteSchema(db: DB, location: string): void {
  const version = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get();
  if (version !== '1') return;
  db.pragma('foreign_keys = OFF');
  try {
    const upgrade = db.transaction(() => {
      const seq =
        (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'faces'").pluck().get() as
          number | undefined) ?? 0;
      const before = db.prepare('SELECT count(*) FROM faces').pluck().get() as number;
      db.exec(facesTable('faces_v2'));
      db.exec(`INSERT INTO faces_v2 (id, hash, face, box_x, box_y, box_width, box_height, score,
          landmarks, model, embedding)
        SELECT f.id, p.hash, f.face, f.box_x, f.box_y, f.box_width, f.box_height, f.score,
          f.landmarks, f.model, f.embedding
        FROM faces f JOIN photos p ON p.id = f.photo_id
        WHERE p.status = 'ok'
          AND p.path = (SELECT min(q.path) FROM photos q WHERE q.hash = p.hash AND q.status = 'ok')`);
      db.exec('DELETE FROM thumbnails WHERE face_id NOT IN (SELECT id FROM faces_v2)');
      db.exec('DROP TABLE faces');
      db.exec('ALTER TABLE faces_v2 RENAME TO faces');
      db.exec('CREATE INDEX faces_by_model ON faces (model, id)');
      db.exec('CREATE INDEX photos_by_hash ON photos (hash, status)');
      // Ids of deleted faces are never handed out again (AUTOINCREMENT), across the rebuild too.
      db.prepare("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'faces'").run(seq);
      db.prepare("UPDATE meta SET value = '2' WHERE key = 'schema_version'").run();
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) {
        throw new ExprsimError('E_STORE', `upgrading left ${broken.length} dangling references`, {
          input: location,
          fix: 'the database is damaged: index the photos again into a new database',
        });
      }
      return before - (db.prepare('SELECT count(*) FROM faces').pluck().get() as number);
    });
    const dropped = upgrade.immediate();
    logger.info(
      `${location}: upgraded the face index to schema version 2 (faces kept once per photo content; ${dropped} duplicate faces removed)`,
    );
  } finally {
    db.pragma('foreign_keys = ON');
  }
}
