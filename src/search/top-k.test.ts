import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../core/prng.js';
import { EmbeddingMatrix, TopK } from './top-k.js';

function randomUnit(rng: () => number, d: number): Float32Array {
  const v = Float32Array.from({ length: d }, () => rng() * 2 - 1);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function brute(
  rows: Float32Array[],
  ids: number[],
  q: Float32Array,
  k: number,
  skip = new Set<number>(),
) {
  return rows
    .map((r, i) => {
      let s = 0;
      for (let j = 0; j < q.length; j++) s += (r[j] - q[j]) ** 2;
      return { id: ids[i], distance: Math.sqrt(s) };
    })
    .filter((x) => !skip.has(x.id))
    .sort((a, b) => a.distance - b.distance || a.id - b.id)
    .slice(0, k);
}

test('EmbeddingMatrix.nearest equals a brute-force sort for any k, with exclusions', () => {
  const rng = mulberry32(7);
  const m = new EmbeddingMatrix(16, 4); // grows past its initial capacity
  const rows: Float32Array[] = [];
  const ids: number[] = [];
  for (let i = 0; i < 500; i++) {
    const v = randomUnit(rng, 16);
    rows.push(v);
    ids.push(1000 + 3 * i);
    m.add(1000 + 3 * i, v);
  }
  assert.equal(m.size, 500);
  for (let t = 0; t < 20; t++) {
    const q = randomUnit(rng, 16);
    for (const k of [1, 5, 10, 499, 500, 600]) {
      assert.deepEqual(m.nearest(q, k), brute(rows, ids, q, k));
    }
    const skip = new Set([ids[3], ids[10], ids[77]]);
    assert.deepEqual(m.nearest(q, 10, skip), brute(rows, ids, q, 10, skip));
  }
  assert.deepEqual(m.nearest(rows[0], 0), []);
});

test('ties are broken by the smaller id, whatever the insertion order', () => {
  const m = new EmbeddingMatrix(2);
  const same = Float32Array.of(1, 0);
  for (const id of [9, 4, 7, 1, 12]) m.add(id, same);
  m.add(2, Float32Array.of(0, 1));
  assert.deepEqual(
    m.nearest(Float32Array.of(1, 0), 3).map((n) => n.id),
    [1, 4, 7],
  );
  assert.deepEqual(
    m.nearest(Float32Array.of(1, 0), 6).map((n) => n.id),
    [1, 4, 7, 9, 12, 2],
  );
});

test('TopK keeps the k smallest of many pushes, and one scan can span several matrices', () => {
  const top = new TopK(3);
  for (const [d, id] of [
    [5, 1],
    [1, 2],
    [3, 3],
    [0.5, 4],
    [3, 0],
    [9, 5],
  ] as const)
    top.push(d, id);
  // push takes squared distances; sorted() gives their square roots.
  assert.deepEqual(
    top.sorted().map((x) => [x.id, Number((x.distance ** 2).toFixed(9))]),
    [
      [4, 0.5],
      [2, 1],
      [0, 3],
    ],
  );
  const a = new EmbeddingMatrix(1);
  const b = new EmbeddingMatrix(1);
  a.add(1, [0.5]);
  a.add(2, [3]);
  b.add(3, [0.1]);
  b.add(4, [-2]);
  const t = new TopK(2);
  a.scan([0], t);
  b.scan([0], t);
  assert.deepEqual(
    t.sorted().map((x) => x.id),
    [3, 1],
  );
  assert.throws(() => a.scan([0, 1], new TopK(1)), RangeError);
});
