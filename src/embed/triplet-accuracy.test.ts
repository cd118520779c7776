import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../core/prng.js';
import {
  accuracyByType,
  bootstrapInterval,
  meanTripletLoss,
  pairedDifference,
  quantile,
  summariseAccuracy,
  tripletDistancesOf,
  tripletScore,
  tripletScores,
} from './triplet-accuracy.js';

test('the odd one out is the face not in the closest pair', () => {
  assert.equal(tripletScore(1, 4, 5), 1); // a,p closest → n is the odd one: right
  assert.equal(tripletScore(4, 1, 5), 0); // a,n closest → p predicted odd: wrong
  assert.equal(tripletScore(4, 5, 1), 0); // p,n closest → a predicted odd: wrong
  assert.equal(tripletScore(1, 1, 5), 1 / 2); // tie between ap and an
  assert.equal(tripletScore(2, 2, 2), 1 / 3); // all equal: chance
  assert.equal(tripletScore(3, 2, 2), 0);
});

test('scores from embeddings: rows (a, p, n) by index', () => {
  // 1-d points: 0 → 0, 1 → 1, 2 → 3, 3 → 10.
  const emb = Float32Array.from([0, 1, 3, 10]);
  const d = tripletDistancesOf(emb, 1, { a: [0, 2, 3], p: [1, 3, 3], n: [3, 1, 0] });
  // #0 a=0 p=1 n=10: ap=1 an=100 pn=81 → 1.
  // #1 a=3 p=10 n=1: ap=49 an=4 pn=81 → 0.
  // #2 a=10 p=10 n=0: ap=0 → 1.
  assert.deepEqual(Array.from(d.ap), [1, 49, 0]);
  assert.deepEqual(Array.from(tripletScores(d)), [1, 0, 1]);
  const acc = accuracyByType([1, 0, 1], ['ONE', 'TWO', 'TWO']);
  assert.equal(acc.accuracy, 2 / 3);
  assert.deepEqual(acc.byType, { ONE: 1, TWO: 0.5 });
});

test('validation loss from distances matches the FECNet and margin formulas', () => {
  const d = {
    ap: Float64Array.from([1, 4]),
    an: Float64Array.from([4, 1]),
    pn: Float64Array.from([5, 1]),
  };
  // fec: #0 → 0; #1 (δ=0.1) → 3.1 + 3.1; mean 3.1 (as triplet-loss.test.ts).
  assert.ok(Math.abs(meanTripletLoss(d, [0.2, 0.1], 'fec') - 3.1) < 1e-12);
  // margin (δ=1): #0 1 − 2 + 1 = 0; #1 2 − 1 + 1 = 2; mean 1.
  assert.ok(Math.abs(meanTripletLoss(d, [1, 1], 'margin') - 1) < 1e-5);
});

test('quantile interpolates between order statistics (type 7)', () => {
  assert.equal(quantile([1, 2, 3, 4], 0), 1);
  assert.equal(quantile([1, 2, 3, 4], 1), 4);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.ok(Math.abs(quantile([0, 10], 0.025) - 0.25) < 1e-12);
});

test('bootstrap: a tiny example worked by hand from the seeded draws', () => {
  // Two resamples of n = 2 scores [0, 1]; index = ⌊u · 2⌋ from mulberry32(5).
  const u = mulberry32(5);
  const draws = Array.from({ length: 4 }, () => Math.floor(u() * 2));
  const scores = [0, 1];
  const m1 = (scores[draws[0]] + scores[draws[1]]) / 2;
  const m2 = (scores[draws[2]] + scores[draws[3]]) / 2;
  const [lo, hi] = [Math.min(m1, m2), Math.max(m1, m2)];
  // With two sorted means, the 2.5% and 97.5% quantiles are lo + 0.025·(hi − lo) and lo + 0.975·(hi − lo).
  const ci = bootstrapInterval(scores, 2, mulberry32(5));
  assert.ok(Math.abs(ci[0] - (lo + 0.025 * (hi - lo))) < 1e-12);
  assert.ok(Math.abs(ci[1] - (lo + 0.975 * (hi - lo))) < 1e-12);
  // mulberry32(5)'s first four indices are 1, 1, 0, 1: resample means 1 and 0.5, so the
  // interval is 0.5 + 0.025·0.5 = 0.5125 to 0.5 + 0.975·0.5 = 0.9875.
  assert.deepEqual(draws, [1, 1, 0, 1]);
  assert.deepEqual(ci, [0.5125, 0.9875]);
});

test('bootstrap: constant scores have a zero-width interval; wide samples bracket the mean', () => {
  assert.deepEqual(bootstrapInterval([1, 1, 1], 50, mulberry32(1)), [1, 1]);
  const xs = Array.from({ length: 400 }, (_, i) => (i % 4 === 0 ? 0 : 1)); // mean 0.75
  const [lo, hi] = bootstrapInterval(xs, 1000, mulberry32(2));
  // Binomial s.e. = √(0.75·0.25/400) ≈ 0.0217: the interval is about ±0.042.
  assert.ok(lo < 0.75 && hi > 0.75);
  assert.ok(hi - lo > 0.06 && hi - lo < 0.11, `${lo}..${hi}`);
});

test('summary: overall and per type, reproducible from the seed', () => {
  const s = summariseAccuracy([1, 0, 1, 1], ['A', 'A', 'B', 'B'], { resamples: 200, seed: 9 });
  assert.equal(s.accuracy, 0.75);
  assert.equal(s.count, 4);
  assert.equal(s.byType.A.accuracy, 0.5);
  assert.deepEqual(s.byType.B, { accuracy: 1, count: 2, ci: [1, 1] });
  assert.deepEqual(
    s,
    summariseAccuracy([1, 0, 1, 1], ['A', 'A', 'B', 'B'], { resamples: 200, seed: 9 }),
  );
});

test('pairedDifference: the mean per-triplet difference, with a paired bootstrap interval', () => {
  // a right on 3 of 4, b on 1 of 4 (the last triplet a tie of three: 1/3).
  const a = [1, 1, 1, 0];
  const b = [0, 1, 0, 1 / 3];
  const r = pairedDifference(a, b, { resamples: 500, seed: 3 });
  // (1 + 0 + 1 − 1/3) / 4 = 5/12
  assert.ok(Math.abs(r.difference - 5 / 12) < 1e-12);
  assert.equal(r.count, 4);
  // Resample means of the differences {1, 0, 1, −1/3} lie in [−1/3, 1].
  assert.ok(
    r.ci[0] >= -1 / 3 && r.ci[0] <= r.difference && r.difference <= r.ci[1] && r.ci[1] <= 1,
  );
  // Every triplet differs by the same amount: every resample's mean is it, so the interval is a point.
  const c = pairedDifference([1, 1, 0.5], [0.5, 0.5, 0], { resamples: 50 });
  assert.deepEqual(
    c.ci.map((x) => Number(x.toFixed(12))),
    [0.5, 0.5],
  );
  // Same seed, same interval as bootstrapInterval on the differences.
  assert.deepEqual(r.ci, bootstrapInterval([1, 0, 1, -1 / 3], 500, mulberry32(3)));
  assert.throws(() => pairedDifference([1], [1, 0]), /differ in length/);
});
