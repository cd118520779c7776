import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FecAnnotation, FecRow } from './fec-row.js';
import { labelFecRow, reducedFraction, voteRatings } from './vote.js';

const faces = ['u1', 'u2', 'u3'].map((url) => ({
  url: `http://x/${url}`,
  box: { left: 0, right: 1, top: 0, bottom: 1 },
}));
function row(annotations: number[]): FecRow {
  return {
    line: 1,
    faces: faces as FecRow['faces'],
    type: 'ONE_CLASS_TRIPLET',
    ratings: annotations.map((a, i) => ({ rater: `r${i}`, annotation: a as FecAnnotation })),
  };
}
const urls = (r: ReturnType<typeof labelFecRow>) =>
  r.kept
    ? [r.triplet.anchor.url, r.triplet.positive.url, r.triplet.negative.url].map((u) => u.slice(-2))
    : r.reason;

test('votes count annotations; agreement is top / raters', () => {
  const v = voteRatings(row([3, 3, 3, 3, 2, 1]).ratings);
  assert.deepEqual(v.counts, [1, 1, 4]);
  assert.equal(v.top, 4);
  assert.equal(v.agreement, 4 / 6);
  assert.deepEqual(v.winners, [3]);
  assert.deepEqual(voteRatings(row([1, 1, 1, 2, 2, 2]).ratings).winners, [1, 2]);
  assert.deepEqual(voteRatings(row([1, 2, 3, 1, 2, 3]).ratings).winners, [1, 2, 3]);
});

test('the odd one out is the negative; the other two keep their order', () => {
  assert.deepEqual(urls(labelFecRow(row([1, 1, 1, 1, 1, 2]))), ['u2', 'u3', 'u1']);
  assert.deepEqual(urls(labelFecRow(row([2, 2, 2, 2, 1, 3]))), ['u1', 'u3', 'u2']);
  assert.deepEqual(urls(labelFecRow(row([3, 3, 3, 3, 2, 1]))), ['u1', 'u2', 'u3']);
  const r = labelFecRow(row([2, 2, 1, 2, 2, 3, 2, 2, 2]));
  assert.ok(r.kept);
  assert.equal(r.triplet.odd, 2);
  assert.equal(r.triplet.agreement, 7 / 9);
  assert.equal(r.triplet.raters, 9);
  assert.equal(r.triplet.tie, false);
});

test('ties are dropped by default and broken by the lowest image with ties: lowest', () => {
  assert.equal(urls(labelFecRow(row([1, 1, 1, 2, 2, 2]))), 'tie');
  assert.equal(urls(labelFecRow(row([1, 2, 3, 1, 2, 3]))), 'tie');
  const r = labelFecRow(row([2, 2, 2, 3, 3, 3]), { ties: 'lowest' });
  assert.ok(r.kept);
  assert.equal(r.triplet.odd, 2);
  assert.equal(r.triplet.agreement, 0.5);
  assert.equal(r.triplet.tie, true);
  assert.deepEqual(urls(r), ['u1', 'u3', 'u2']);
  // A tie under the threshold is still dropped, as low agreement.
  const low = labelFecRow(row([1, 2, 3, 1, 2, 3]), { ties: 'lowest', minAgreement: 0.5 });
  assert.equal(low.kept, false);
  assert.equal(!low.kept && low.reason, 'low-agreement');
});

test('minAgreement keeps agreement >= t, with 2/3 keeping 4 of 6', () => {
  assert.equal(labelFecRow(row([3, 3, 3, 3, 2, 1]), { minAgreement: 2 / 3 }).kept, true);
  assert.equal(labelFecRow(row([3, 3, 3, 3, 2, 1]), { minAgreement: 0.67 }).kept, false);
  assert.equal(labelFecRow(row([1, 1, 2, 1, 2, 1, 2, 2, 1]), { minAgreement: 5 / 9 }).kept, true);
  assert.throws(() => labelFecRow(row([1]), { minAgreement: 1.5 }), { code: 'E_BAD_OPTION' });
  assert.throws(() => labelFecRow(row([1]), { ties: 'random' as never }), { code: 'E_BAD_OPTION' });
});

test('fractions are reduced', () => {
  assert.equal(reducedFraction(4, 6), '2/3');
  assert.equal(reducedFraction(6, 9), '2/3');
  assert.equal(reducedFraction(6, 6), '1/1');
  assert.equal(reducedFraction(5, 9), '5/9');
});
