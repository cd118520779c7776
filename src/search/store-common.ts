/** What the SQLite and PostgreSQL stores share. */
import { ExprsimError } from '../core/errors.js';

/** The `format` row of an exprsim face index. */
export const STORE_FORMAT = 'exprsim-face-store';
/**
 * The schema version this exprsim writes and reads. 2: faces belong to a photo content (sha256),
 * shared by every path with that content; version 1 stores are upgraded by their first writer.
 */
export const STORE_SCHEMA_VERSION = 2;

/** k for a nearest-neighbour query: a whole number ≥ 0 (E_BAD_OPTION otherwise). */
export function checkK(k: unknown): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > 1_000_000) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `k must be a whole number from 0 to 1000000, got ${String(k)}`,
      {
        input: `k=${String(k)}`,
        fix: 'pass how many neighbours to return, e.g. 10',
      },
    );
  }
  return k;
}

/**
 * `min(max, total)` row indices spread evenly over 0..total-1 (all of them when they fit):
 * a deterministic sample that covers the whole store.
 */
export function sampleRows(total: number, max: number): number[] {
  const n = Math.max(0, Math.min(Math.floor(max), total));
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.floor((i * total) / n));
  return out;
}

/** The location with any password replaced by '***' (for messages and logs). */
export function redactLocation(location: string): string {
  return location.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}
