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

export function indexTriplets(
  rows: readonly TripletRow[],
  keyOf: (source: string, key: string) => string,
): IndexedTriplets {
  const keys: string[] = [];
  const at = new Map<string, number>();
  const id = (source: string, key: string) => {
    const k = keyOf(source, key);
    let i = at.get(k);
    if (i === undefined) {
      i = keys.length;
      keys.push(k);
      at.set(k, i);
    }
    return i;
  };
  const a = new Int32Array(rows.length);
  const p = new Int32Array(rows.length);
  const n = new Int32Array(rows.length);
  rows.forEach((r, t) => {
    a[t] = id(r.source, r.a);
    p[t] = id(r.source, r.p);
    n[t] = id(r.source, r.n);
  });
  return { keys, a, p, n, types: rows.map((r) => r.type) };
}
