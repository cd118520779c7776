import type { TripletRow } from '../data/triplet-file.js';
import type { TripletIndex } from './triplet-accuracy.js';

/**
 * The unique images of a list of triplets and each triplet's rows among them, so every image is
 * embedded once however many triplets use it.
 */
export interface IndexedTriplets extends TripletIndex {
  /** Unique input keys, in first-use order. */
  keys: string[];
  a: Int32Array;
  p: Int32Array;
  n: Int32Array;
  types: string[];
}

/** Unique keys in first-use order, each with its row number. */
export class KeyIndex {
  /** The keys, in first-use order. */
  readonly keys: string[] = [];
  private readonly at = new Map<string, number>();

  /** The row of `key`, added at the end when new. */
  id(key: string): number {
    let i = this.at.get(key);
    if (i === undefined) {
      i = this.keys.length;
      this.keys.push(key);
      this.at.set(key, i);
    }
    return i;
  }
}

/**
 * Indexes `rows`' images by `keyOf(source, key)`. Pass `index` to keep adding keys to it
 * afterwards (the result's `keys` is `index.keys`).
 */
export function indexTriplets(
  rows: readonly TripletRow[],
  keyOf: (source: string, key: string) => string,
  index = new KeyIndex(),
): IndexedTriplets {
  const id = (source: string, key: string) => index.id(keyOf(source, key));
  const a = new Int32Array(rows.length);
  const p = new Int32Array(rows.length);
  const n = new Int32Array(rows.length);
  rows.forEach((r, t) => {
    a[t] = id(r.source, r.a);
    p[t] = id(r.source, r.p);
    n[t] = id(r.source, r.n);
  });
  return { keys: index.keys, a, p, n, types: rows.map((r) => r.type) };
}
