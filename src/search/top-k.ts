/**
 * Exact k-nearest-neighbour search over embeddings held in memory: one Float32Array per model
 * version (row-major, `dimension` floats a row) scanned in full with a bounded max-heap of the k
 * best (squared distance, then face id). O(n·d) per query with no index to build or keep up to
 * date: at 16 dimensions a million faces take a few tens of milliseconds (BENCHMARKS.md).
 */

export interface ScoredId {
  id: number;
  /** Euclidean distance. */
  distance: number;
}

/** The k smallest (squared distance, id) pairs seen so far. */
export class TopK {
  readonly k: number;
  private readonly d2: Float64Array;
  private readonly ids: Float64Array;
  private n = 0;

  constructor(k: number) {
    this.k = k;
    this.d2 = new Float64Array(Math.max(k, 1));
    this.ids = new Float64Array(Math.max(k, 1));
  }

  get size(): number {
    return this.n;
  }

  /** True when a candidate must beat the current worst to get in. */
  get full(): boolean {
    return this.n >= this.k;
  }

  /** The worst squared distance kept (Infinity until full). */
  get worst(): number {
    return this.n >= this.k ? this.d2[0] : Infinity;
  }

  // a ranks after b: larger distance, or equal distance and larger id.
  private after(i: number, j: number): boolean {
    return this.d2[i] > this.d2[j] || (this.d2[i] === this.d2[j] && this.ids[i] > this.ids[j]);
  }

  private swap(i: number, j: number): void {
    const d = this.d2[i];
    this.d2[i] = this.d2[j];
    this.d2[j] = d;
    const id = this.ids[i];
    this.ids[i] = this.ids[j];
    this.ids[j] = id;
  }

  push(d2: number, id: number): void {
    if (this.k <= 0) return;
    if (this.n < this.k) {
      let i = this.n++;
      this.d2[i] = d2;
      this.ids[i] = id;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.after(i, p)) break;
        this.swap(i, p);
        i = p;
      }
      return;
    }
    const w = this.d2[0];
    if (d2 > w || (d2 === w && id >= this.ids[0])) return;
    this.d2[0] = d2;
    this.ids[0] = id;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.n && this.after(l, m)) m = l;
      if (r < this.n && this.after(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }

  /** Nearest first; ties by id. */
  sorted(): ScoredId[] {
    const out: ScoredId[] = [];
    for (let i = 0; i < this.n; i++) out.push({ id: this.ids[i], distance: this.d2[i] });
    out.sort((a, b) => a.distance - b.distance || a.id - b.id);
    for (const o of out) o.distance = Math.sqrt(o.distance);
    return out;
  }
}

/** A growable matrix of embeddings (one row per face) with their face ids. */
export class EmbeddingMatrix {
  readonly dimension: number;
  private data: Float32Array;
  private ids: Float64Array;
  private n = 0;

  constructor(dimension: number, capacity = 1024) {
    this.dimension = dimension;
    this.data = new Float32Array(Math.max(capacity, 1) * dimension);
    this.ids = new Float64Array(Math.max(capacity, 1));
  }

  get size(): number {
    return this.n;
  }

  /** Bytes held (vectors and ids, including spare capacity). */
  get bytes(): number {
    return this.data.byteLength + this.ids.byteLength;
  }

  private grow(min: number): void {
    if (min <= this.ids.length) return;
    const cap = Math.max(min, Math.ceil(this.ids.length * 1.5));
    const data = new Float32Array(cap * this.dimension);
    data.set(this.data.subarray(0, this.n * this.dimension));
    const ids = new Float64Array(cap);
    ids.set(this.ids.subarray(0, this.n));
    this.data = data;
    this.ids = ids;
  }

  /** Appends one row; `vector.length` must equal the dimension. */
  add(id: number, vector: ArrayLike<number>): void {
    if (vector.length !== this.dimension) {
      throw new RangeError(`a ${vector.length}-d row in a ${this.dimension}-d matrix`);
    }
    this.grow(this.n + 1);
    this.data.set(vector, this.n * this.dimension);
    this.ids[this.n++] = id;
  }

  /**
   * Appends a row whose float32 bytes are written by `fill(target, rowOffset)` (cold loads copy
   * database blobs straight in).
   */
  addWith(id: number, fill: (target: Float32Array, row: number) => void): void {
    this.grow(this.n + 1);
    fill(this.data, this.n * this.dimension);
    this.ids[this.n++] = id;
  }

  /** Row i's face id and a copy of its vector. */
  row(i: number): { id: number; vector: Float32Array } {
    const d = this.dimension;
    return { id: this.ids[i], vector: this.data.slice(i * d, (i + 1) * d) };
  }

  /** Scans every row into `top` (rows whose id is in `exclude` are skipped). */
  scan(query: ArrayLike<number>, top: TopK, exclude?: ReadonlySet<number>): void {
    const d = this.dimension;
    if (query.length !== d) {
      throw new RangeError(`a ${query.length}-d query against ${d}-d embeddings`);
    }
    const skip = exclude !== undefined && exclude.size > 0 ? exclude : undefined;
    if (d === 16) {
      this.scan16(query, top, skip);
      return;
    }
    const q = Float64Array.from(query);
    const data = this.data;
    const ids = this.ids;
    let worst = top.worst;
    for (let r = 0, off = 0; r < this.n; r++, off += d) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = data[off + j] - q[j];
        s += t * t;
      }
      if (s > worst) continue;
      const id = ids[r];
      if (skip !== undefined && skip.has(id)) continue;
      top.push(s, id);
      worst = top.worst;
    }
  }

  /**
   * The 16-d case (every exprsim model so far), unrolled with the query in locals, and a row
   * abandoned after 8 dimensions once its partial sum already exceeds the k-th best (the rest
   * only adds). Same results as the generic loop, 2-3 times faster.
   */
  private scan16(query: ArrayLike<number>, top: TopK, skip: ReadonlySet<number> | undefined): void {
    const data = this.data;
    const ids = this.ids;
    const [q0, q1, q2, q3, q4, q5, q6, q7] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => +query[i]);
    const [q8, q9, q10, q11, q12, q13, q14, q15] = [8, 9, 10, 11, 12, 13, 14, 15].map(
      (i) => +query[i],
    );
    let worst = top.worst;
    for (let r = 0, o = 0; r < this.n; r++, o += 16) {
      let t = data[o] - q0;
      let s = t * t;
      t = data[o + 1] - q1;
      s += t * t;
      t = data[o + 2] - q2;
      s += t * t;
      t = data[o + 3] - q3;
      s += t * t;
      t = data[o + 4] - q4;
      s += t * t;
      t = data[o + 5] - q5;
      s += t * t;
      t = data[o + 6] - q6;
      s += t * t;
      t = data[o + 7] - q7;
      s += t * t;
      if (s > worst) continue;
      t = data[o + 8] - q8;
      s += t * t;
      t = data[o + 9] - q9;
      s += t * t;
      t = data[o + 10] - q10;
      s += t * t;
      t = data[o + 11] - q11;
      s += t * t;
      t = data[o + 12] - q12;
      s += t * t;
      t = data[o + 13] - q13;
      s += t * t;
      t = data[o + 14] - q14;
      s += t * t;
      t = data[o + 15] - q15;
      s += t * t;
      if (s > worst) continue;
      const id = ids[r];
      if (skip !== undefined && skip.has(id)) continue;
      top.push(s, id);
      worst = top.worst;
    }
  }

  /** The k nearest rows, nearest first (ties by id). */
  nearest(query: ArrayLike<number>, k: number, exclude?: ReadonlySet<number>): ScoredId[] {
    const top = new TopK(k);
    this.scan(query, top, exclude);
    return top.sorted();
  }
}
