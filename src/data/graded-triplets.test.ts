import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../core/prng.js';
import {
  gradeTriple,
  gradedTripletType,
  judgeTriple,
  majorityOf,
  sampleGradedTriplets,
  voteDistance,
  voteDistribution,
  type GradedFace,
} from './graded-triplets.js';

// Counts over FER+'s 8 emotions: neutral, happiness, surprise, sadness, anger, disgust, fear, contempt.
const v = (...c: number[]) => [...c, ...new Array(8 - c.length).fill(0)];
const face = (key: string, counts: number[]): GradedFace => ({
  key,
  counts,
  majority: majorityOf(counts),
});

test('voteDistribution: counts as fractions of the face votes', () => {
  assert.deepEqual(voteDistribution(v(4, 0, 0, 1, 3, 2)), v(0.4, 0, 0, 0.1, 0.3, 0.2));
  assert.deepEqual(voteDistribution(v()), v());
});

test('majorityOf: the strict top emotion, -1 for a tied top or no votes', () => {
  assert.equal(majorityOf(v(1, 9)), 1);
  assert.equal(majorityOf(v(4, 0, 0, 4, 2)), -1);
  assert.equal(majorityOf(v()), -1);
  assert.equal(majorityOf(v(0, 0, 0, 0, 0, 0, 0, 1)), 7);
});

test('voteDistance: total variation, hand-computed', () => {
  // 10 happy vs 6 happy + 4 surprise: 0.5 * (0.4 + 0.4).
  assert.equal(voteDistance(v(0, 10), v(0, 6, 4)), 0.4);
  // Other totals (8 votes: two were unknown): [0,1,0] vs [0,.6,.4] is still 0.4.
  assert.equal(voteDistance(v(0, 8), v(0, 6, 4)), 0.4);
  // FER+ rows 0 and 2 (10 and 9 emotion votes): (|4·9−5·10| + |1·9−3·10| + |3·9−1·10| +
  // |2·9−0|) / (2·10·9) = (14 + 21 + 17 + 18) / 180 = 7/18.
  assert.equal(voteDistance(v(4, 0, 0, 1, 3, 2), v(5, 0, 0, 3, 1)), 7 / 18);
  assert.equal(voteDistance(v(0, 10), v(10)), 1, 'no emotion in common');
  assert.equal(voteDistance(v(3, 7), v(3, 7)), 0);
  assert.equal(voteDistance(v(3, 7), v(0, 2, 8)), voteDistance(v(0, 2, 8), v(3, 7)));
  assert.throws(() => voteDistance(v(), v(1)), { code: 'E_DATA_FORMAT' });
});

test('judgeTriple: the closest pair is anchor/positive (in the order given), margin = next - closest', () => {
  const x = face('x', v(0, 10));
  const y = face('y', v(0, 9, 1));
  const z = face('z', v(0, 6, 4));
  // d(x,y) = 0.1, d(x,z) = 0.4, d(y,z) = 0.3.
  const j = judgeTriple([z, x, y]);
  assert.deepEqual([j.anchor, j.positive, j.negative], [1, 2, 0]);
  assert.ok(Math.abs(j.margin - 0.2) < 1e-12);
  assert.deepEqual(
    j.distances.map((d) => Number(d.toFixed(12))),
    [0.1, 0.3, 0.4],
  );
});

test('gradeTriple: kept at a margin >= minMargin (exactly at the threshold too), dropped below or tied', () => {
  const x = face('x', v(0, 10));
  const y = face('y', v(0, 9, 1));
  const z = face('z', v(0, 6, 4));
  // Margin 0.2 (0.3 - 0.1, 0.19999999999999998 in floating point): kept at 0.2, not at 0.25.
  const row = gradeTriple([z, x, y], 0.2, 'ferplus');
  assert.deepEqual(row, {
    a: 'x',
    p: 'y',
    n: 'z',
    type: 'ONE_CLASS_TRIPLET',
    agreement: 0.2,
    source: 'ferplus',
  });
  assert.equal(gradeTriple([z, x, y], 0.25, 'ferplus'), undefined);
  // Two happy faces and a neutral one: margin 1, agreement 1.
  const n = face('n', v(10));
  assert.deepEqual(gradeTriple([x, n, face('x2', v(0, 10))], 0.3, 's'), {
    a: 'x',
    p: 'x2',
    n: 'n',
    type: 'TWO_CLASS_TRIPLET',
    agreement: 1,
    source: 's',
  });
  // d(x,y') = 0.4 = d(y',z'): no closest pair, dropped even with minMargin 0.
  const y2 = face('y2', v(0, 6, 4));
  const z2 = face('z2', v(0, 2, 8));
  assert.equal(gradeTriple([x, y2, z2], 0, 's'), undefined);
  // Agreement = margin: closest 0.05 (20 votes: 19 happy, 1 surprise), next 1 -> 0.95.
  const a = face('a', v(0, 10));
  const b = face('b', v(0, 19, 1));
  assert.equal(gradeTriple([a, b, n], 0.3, 's')?.agreement, 0.95);
  // The closest pair 0.05, then 0.35 (b vs 6 happy + 4 surprise) and 0.4: margin 0.3.
  assert.equal(gradeTriple([a, b, y2], 0.3, 's')?.agreement, 0.3);
});

test('gradedTripletType: by the number of distinct majorities; a tied face is a class of its own', () => {
  const h = face('h', v(0, 10));
  const h2 = face('h2', v(1, 9));
  const n = face('n', v(10));
  const s = face('s', v(0, 0, 10));
  const tie = face('t', v(5, 5));
  const tie2 = face('t2', v(5, 5));
  assert.equal(gradedTripletType([h, h2, face('h3', v(0, 7, 3))]), 'ONE_CLASS_TRIPLET');
  assert.equal(gradedTripletType([h, h2, n]), 'TWO_CLASS_TRIPLET');
  assert.equal(gradedTripletType([h, n, s]), 'THREE_CLASS_TRIPLET');
  assert.equal(gradedTripletType([h, h2, tie]), 'TWO_CLASS_TRIPLET');
  assert.equal(gradedTripletType([tie, tie2, h]), 'THREE_CLASS_TRIPLET');
});

/** 3 classes x 8 faces, top votes 10..3 with the rest on the next emotion, plus 2 tied faces. */
function pool(): GradedFace[] {
  const faces: GradedFace[] = [];
  for (let c = 0; c < 3; c++) {
    for (let top = 10; top >= 3; top--) {
      const counts = v();
      counts[c] = top;
      counts[(c + 1) % 8] = 10 - top - (top <= 5 ? 1 : 0);
      counts[4] += top <= 5 ? 1 : 0;
      faces.push(face(`c${c}-${top}`, counts));
    }
  }
  faces.push(face('tie-a', v(5, 5)), face('tie-b', v(0, 5, 5)));
  return faces.sort((a, b) => (a.key < b.key ? -1 : 1));
}

function sample(seed: number, count: number, share: number, faces = pool(), minMargin = 0.2) {
  return sampleGradedTriplets(faces, {
    count,
    oneClassShare: share,
    minMargin,
    rngOneClass: mulberry32(seed),
    rngMixed: mulberry32(seed + 1000),
    source: 'ferplus',
  });
}

test('sampleGradedTriplets: the one-class share, the rule on every row, distinct face sets', () => {
  const faces = pool();
  const byKey = new Map(faces.map((f) => [f.key, f]));
  const r = sample(3, 60, 0.25, faces);
  assert.equal(r.rows.length, 60);
  assert.equal(r.oneClass.written, 15);
  assert.equal(r.mixed.written, 45);
  assert.equal(r.types.ONE_CLASS_TRIPLET, 15, 'mixed draws are never one-class');
  assert.equal(r.types.TWO_CLASS_TRIPLET + r.types.THREE_CLASS_TRIPLET, 45);
  assert.ok(r.oneClass.unclear > 0, 'some one-class draws are not clear enough');
  const sets = new Set<string>();
  for (const row of r.rows) {
    const three = [row.a, row.p, row.n].map((k) => byKey.get(k) as GradedFace) as [
      GradedFace,
      GradedFace,
      GradedFace,
    ];
    const j = judgeTriple(three);
    assert.deepEqual([j.anchor, j.positive, j.negative], [0, 1, 2], 'n is the odd one out');
    assert.ok(j.margin >= 0.2 - 1e-9);
    assert.equal(row.agreement, Math.round(j.margin * 1e4) / 1e4);
    assert.equal(row.type, gradedTripletType(three));
    if (row.type === 'ONE_CLASS_TRIPLET') {
      assert.ok(three.every((f) => f.majority === three[0].majority && f.majority >= 0));
    }
    sets.add([row.a, row.p, row.n].sort().join('|'));
  }
  assert.equal(sets.size, r.rows.length, 'no face set twice');
});

test('sampleGradedTriplets: deterministic by seed; share 0 and 1; a pool too small falls short', () => {
  assert.deepEqual(sample(7, 40, 0.5).rows, sample(7, 40, 0.5).rows);
  assert.notDeepEqual(sample(7, 40, 0.5).rows, sample(8, 40, 0.5).rows);
  assert.equal(sample(7, 20, 0).types.ONE_CLASS_TRIPLET, 0);
  assert.equal(sample(7, 20, 1).types.ONE_CLASS_TRIPLET, 20);
  // Changing the share leaves the one-class stream as it was (its own rng): a prefix.
  const half = sample(7, 40, 0.5).rows.filter((r) => r.type === 'ONE_CLASS_TRIPLET');
  const all = sample(7, 40, 1).rows;
  assert.deepEqual(all.slice(0, half.length), half);
  // Three faces give one face set at most (here a mixed one: no class has three faces).
  const three = pool().slice(0, 3);
  const r = sample(1, 10, 0.5, three, 0);
  assert.equal(r.rows.length, 1);
  assert.equal(r.oneClass.shortfall + r.mixed.shortfall, 9);
});
