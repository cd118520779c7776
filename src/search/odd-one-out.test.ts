import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oddOneOut } from './odd-one-out.js';

test('oddOneOut: the face not in the closest pair, distances by hand', () => {
  // a = (0,0), b = (3,4), c = (0,1): ab = 5, ac = 1, bc = √(9+9) = √18 ≈ 4.2426.
  const a = [0, 0];
  const b = [3, 4];
  const c = [0, 1];
  const r = oddOneOut(a, b, c);
  assert.equal(r.odd, 1);
  assert.deepEqual(r.pair, [0, 2]);
  assert.equal(r.distances.ab, 5);
  assert.equal(r.distances.ac, 1);
  assert.ok(Math.abs(r.distances.bc - Math.sqrt(18)) < 1e-12);
  // Every position of the odd one out.
  assert.equal(oddOneOut(b, a, c).odd, 0); // a,c closest → b (index 0) is odd
  assert.equal(oddOneOut(a, c, b).odd, 2);
});

test('oddOneOut on unit 16-d embeddings, hand-computed', () => {
  const e = (i: number) => Float32Array.from({ length: 16 }, (_, j) => (j === i ? 1 : 0));
  // a = e0, b = (e0 + e1)/√2, c = e2. ab = √(2 − √2) ≈ 0.7654, ac = bc = √2.
  const a = e(0);
  const b = Float32Array.from({ length: 16 }, (_, j) => (j < 2 ? Math.SQRT1_2 : 0));
  const c = e(2);
  const r = oddOneOut(a, b, c);
  assert.equal(r.odd, 2);
  assert.deepEqual(r.pair, [0, 1]);
  assert.ok(Math.abs(r.distances.ab - Math.sqrt(2 - Math.SQRT2)) < 1e-6);
  assert.ok(Math.abs(r.distances.ac - Math.SQRT2) < 1e-6);
  assert.ok(Math.abs(r.distances.bc - Math.SQRT2) < 1e-6);
});

test('oddOneOut: exact ties go to the first pair listed (ab, then ac, then bc)', () => {
  // An equilateral triangle: all three distances equal → pair ab, c is odd.
  const r = oddOneOut([0, 0], [2, 0], [1, Math.sqrt(3)]);
  assert.ok(Math.abs(r.distances.ab - r.distances.bc) < 1e-12);
  assert.equal(oddOneOut([0], [0], [0]).odd, 2);
  assert.equal(oddOneOut([0], [1], [0]).odd, 1); // ac = 0 ties nothing smaller
  assert.throws(() => oddOneOut([0, 1], [0], [1]), { code: 'E_BAD_OPTION' });
});

test('oddOneOut: a tie of the closest pairs is flagged; non-finite embeddings are refused', () => {
  assert.equal(oddOneOut([0], [0], [0]).tie, true, 'the same embedding three times');
  const eq = oddOneOut([0, 0], [2, 0], [1, Math.sqrt(3)]);
  assert.equal(eq.tie, true, 'an equilateral triangle');
  // Two pairs tied at the smallest distance, the third farther: still no odd one out.
  assert.equal(oddOneOut([0], [1], [-1]).tie, true);
  // Tied within float32 noise.
  assert.equal(oddOneOut([0], [1], [1 + 1e-7]).tie, false, 'bc is clearly the closest pair');
  assert.equal(oddOneOut([0], [0.5], [-0.5000001]).tie, true);
  // A clear answer is no tie, even when the two larger distances are equal.
  const r = oddOneOut([0, 0], [0, 0.1], [5, 0]);
  assert.equal(r.odd, 2);
  assert.equal(r.tie, false);
  assert.throws(() => oddOneOut([NaN], [0], [1]), { code: 'E_BAD_OPTION', message: /NaN/ });
});
