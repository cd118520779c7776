/**
 * Embedding vectors: Euclidean distance, checks, and the float32 byte layout both stores use
 * (little-endian IEEE 754, `dimension * 4` bytes).
 */
import { ExprsimError } from '../core/errors.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Euclidean distance (accumulated in double precision). */
export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `cannot compare a ${a.length}-d and a ${b.length}-d embedding`,
      { fix: 'compare embeddings made by the same model' },
    );
  }
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return Math.sqrt(s);
}

/** Throws E_BAD_OPTION unless `v` is a non-empty vector of finite numbers (of `dimension`). */
export function checkEmbedding(v: unknown, what: string, dimension?: number): Float32Array {
  if (!(v instanceof Float32Array) || v.length === 0) {
    throw new ExprsimError('E_BAD_OPTION', `${what} must be a non-empty Float32Array`, {
      input: what,
    });
  }
  if (dimension !== undefined && v.length !== dimension) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `${what} has ${v.length} dimensions, the store holds ${dimension}-d embeddings`,
      { input: what, fix: 'use the model the store was indexed with' },
    );
  }
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) {
      throw new ExprsimError('E_BAD_OPTION', `${what} has a non-finite value at ${i}`, {
        input: what,
      });
    }
  }
  return v;
}

/** The embedding as little-endian float32 bytes (a copy). */
export function embeddingToBytes(v: Float32Array): Buffer {
  const out = Buffer.alloc(v.length * 4);
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  } else {
    for (let i = 0; i < v.length; i++) out.writeFloatLE(v[i], i * 4);
  }
  return out;
}

/** Decodes little-endian float32 bytes into `target` at `offset` (or a new array). */
export function bytesToEmbedding(
  bytes: Uint8Array,
  target?: Float32Array,
  offset = 0,
): Float32Array {
  if (bytes.byteLength % 4 !== 0) {
    throw new ExprsimError(
      'E_STORE',
      `an embedding of ${bytes.byteLength} bytes is not float32 data`,
      { fix: 'the database is damaged: index the photos again into a new database' },
    );
  }
  const n = bytes.byteLength / 4;
  const out = target ?? new Float32Array(n);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer, out.byteOffset + offset * 4, n * 4).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) out[offset + i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/** pgvector's text form, '[x,y,…]'; each float32 prints in the shortest form that reads back exactly. */
export function embeddingToText(v: Float32Array): string {
  return `[${Array.from(v, (x) => String(x)).join(',')}]`;
}

export function textToEmbedding(text: string): Float32Array {
  const inner = text.trim().replace(/^\[/, '').replace(/\]$/, '');
  return Float32Array.from(inner.split(',').map(Number));
}
