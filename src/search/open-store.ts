/**
 * `openStore(location)`: the one way to open a face store. A file path (or file:// URL) opens
 * the embedded SQLite store; a postgres:// or postgresql:// URL opens the PostgreSQL + pgvector
 * store. Implementations load on demand, so SQLite users never load `pg` and vice versa.
 */
import { fileURLToPath } from 'node:url';
import { ExprsimError } from '../core/errors.js';
import type { FaceStore, OpenStoreOptions } from './types.js';
import { redactLocation } from './store-common.js';

type Opener = (location: string, options: OpenStoreOptions) => Promise<FaceStore>;

const openSqlite: Opener = async (location, options) =>
  (await import('./sqlite-store.js')).SqliteFaceStore.open(location, options);
const openPostgres: Opener = async (location, options) =>
  (await import('./postgres-store.js')).PostgresFaceStore.open(location, options);

/** URL schemes → store; a location without a scheme is an SQLite file path. */
const SCHEMES = new Map<string, Opener>([
  ['file:', (location, options) => openSqlite(fileURLToPath(location), options)],
  ['postgres:', openPostgres],
  ['postgresql:', openPostgres],
]);

/** The URL schemes openStore accepts (besides plain file paths). */
export const STORE_SCHEMES: readonly string[] = [...SCHEMES.keys()].map((s) => `${s}//`);

/** The scheme of `location` ('postgres:'), or undefined for a plain path (C:\ is a path). */
function schemeOf(location: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]+:)\/\//i.exec(location);
  return m ? m[1].toLowerCase() : undefined;
}

/** The store kind a location names, without opening it (E_UNKNOWN_NAME for other schemes). */
export function storeKind(location: string): 'sqlite' | 'postgres' {
  const s = schemeOf(location);
  if (s === undefined || s === 'file:') return 'sqlite';
  if (s === 'postgres:' || s === 'postgresql:') return 'postgres';
  throw unknownScheme(location, s);
}

function unknownScheme(location: string, scheme: string): ExprsimError {
  return new ExprsimError('E_UNKNOWN_NAME', `unknown face store "${scheme}//"`, {
    input: redactLocation(location),
    fix: `use an SQLite file path (e.g. faces.sqlite) or a URL starting with ${STORE_SCHEMES.join(', ')}`,
  });
}

/**
 * Opens a face store: an SQLite file for a path, PostgreSQL + pgvector for a postgres:// URL.
 * `root` is the photo folder (stored the first time; later opens must name it or a folder inside
 * it). Without `readonly` the store is the database's single writer (E_STORE_LOCKED when another
 * process writes). Throws E_UNKNOWN_NAME for another URL scheme, E_STORE when the database
 * cannot be opened or is not a face index, E_OUTSIDE_ROOT for a root outside the stored one.
 */
export async function openStore(
  location: string,
  options: OpenStoreOptions = {},
): Promise<FaceStore> {
  if (typeof location !== 'string' || location.trim() === '') {
    throw new ExprsimError('E_BAD_OPTION', 'the store location is empty', {
      fix: 'pass an SQLite file path or a postgres:// URL',
    });
  }
  const scheme = schemeOf(location);
  if (scheme === undefined) return openSqlite(location, options);
  const opener = SCHEMES.get(scheme);
  if (opener === undefined) throw unknownScheme(location, scheme);
  return opener(location, options);
}
