import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LabelledImage } from './labelled.js';
import { mulberry32, type Rng } from '../core/prng.js';
import { sampleLabelTriplets } from './sample-triplets.js';

function scripted(values: number[]): Rng {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error('rng script ran out');
    return values[i++];
  };
}

// Labels A: a1 a2 a3, B: b1, C: c1 c2 (given out of order: sampling sorts them).
const SMALL: LabelledImage[] = [
  { key: 'c2', label: 'C' },
  { key: 'a1', label: 'A' },
  { key: 'b1', label: 'B' },
  { key: 'a3', label: 'A' },
  { key: 'c1', label: 'C' },
  { key: 'a2', label: 'A' },
];

test('hand-computed draws: pair, anchor, positive, negative; repeats drawn again', () => {
  // Pairs (two-image label, odd label), labels sorted, B has one image so it is never the pair:
  // [A,B] [A,C] [C,A] [C,B]. Per draw: pair = floor(r*4), i = floor(r*n), j = floor(r*(n-1)) (+1 if >= i), k.
  const rng = scripted([
    0.3,
    0.9,
    0.0,
    0.6, // [A,C]; i=2 a3; j=0 a1; k=1 c2            -> (a3, a1, c2)
    0.8,
    0.5,
    0.2,
    0.99, // [C,B]; i=1 c2; j=0 c1; k=0 b1           -> (c2, c1, b1)
    0.25,
    0.0,
    0.7,
    0.5, // [A,C]; i=0 a1; j=1 -> 2 a3; k=1 c2      -> (a1, a3, c2): repeat of the first
    0.0,
    0.4,
    0.5,
    0.0, // [A,B]; i=1 a2; j=1 -> 2 a3; k=0 b1       -> (a2, a3, b1)
  ]);
  const r = sampleLabelTriplets(SMALL, { count: 3, rng, source: 's' });
  assert.deepEqual(
    r.rows.map((t) => [t.a, t.p, t.n]),
    [
      ['a3', 'a1', 'c2'],
      ['c2', 'c1', 'b1'],
      ['a2', 'a3', 'b1'],
    ],
  );
  assert.deepEqual(r.rows[0], {
    a: 'a3',
    p: 'a1',
    n: 'c2',
    type: 'TWO_CLASS_TRIPLET',
    agreement: 1,
    source: 's',
  });
  assert.equal(r.labelPairs, 4);
  // C(3,2)*(6-3) + C(2,2)*(6-2) = 9 + 4
  assert.equal(r.possible, 13);
  assert.equal(r.shortfall, 0);
});

test('asking for more than exist gives every distinct triplet once', () => {
  const r = sampleLabelTriplets(SMALL, { count: 100, rng: mulberry32(5), source: 's' });
  assert.equal(r.rows.length, 13);
  assert.equal(r.shortfall, 87);
  const keys = new Set(r.rows.map((t) => `${[t.a, t.p].sort().join('+')}|${t.n}`));
  assert.equal(keys.size, 13);
});

test('label pairs are balanced, labels of a/p agree, n differs; seeded and order-independent', () => {
  const images: LabelledImage[] = [];
  const sizes = { angry: 40, disgust: 4, happy: 200, sad: 60 };
  for (const [label, n] of Object.entries(sizes))
    for (let i = 0; i < n; i++) images.push({ key: `${label}/${i}.jpg`, label });
  const labelOf = new Map(images.map((im) => [im.key, im.label]));
  const r = sampleLabelTriplets(images, { count: 2400, rng: mulberry32(11), source: 's' });
  assert.equal(r.rows.length, 2400);
  const pairCounts = new Map<string, number>();
  for (const t of r.rows) {
    assert.equal(labelOf.get(t.a), labelOf.get(t.p));
    assert.notEqual(t.a, t.p);
    assert.notEqual(labelOf.get(t.n), labelOf.get(t.a));
    const k = `${labelOf.get(t.a)}>${labelOf.get(t.n)}`;
    pairCounts.set(k, (pairCounts.get(k) ?? 0) + 1);
  }
  // 12 ordered pairs, 200 expected each; disgust (4 images) as often as happy (200).
  assert.equal(pairCounts.size, 12);
  for (const [k, c] of pairCounts) assert.ok(c > 140 && c < 260, `${k}: ${c}`);
  const again = sampleLabelTriplets([...images].reverse(), {
    count: 2400,
    rng: mulberry32(11),
    source: 's',
  });
  assert.deepEqual(again.rows, r.rows);
});

test('too few labels is a clear error; count 0 gives nothing', () => {
  const one = [
    { key: 'x', label: 'A' },
    { key: 'y', label: 'A' },
  ];
  assert.throws(() => sampleLabelTriplets(one, { count: 5, rng: mulberry32(1), source: 's' }), {
    code: 'E_DATA_FORMAT',
    message: /2 images in 1 label: need two labels/,
  });
  // Two labels with one image each: no label can give anchor and positive.
  assert.throws(
    () =>
      sampleLabelTriplets(
        [
          { key: 'x', label: 'A' },
          { key: 'y', label: 'B' },
        ],
        { count: 1, rng: mulberry32(1), source: 's' },
      ),
    {
      code: 'E_DATA_FORMAT',
    },
  );
  assert.equal(
    sampleLabelTriplets(one, { count: 0, rng: mulberry32(1), source: 's' }).rows.length,
    0,
  );
  assert.throws(() => sampleLabelTriplets(one, { count: -1, rng: mulberry32(1), source: 's' }), {
    code: 'E_BAD_OPTION',
  });
});

test('crossSubject: anchor and positive never share a subject; images without one are refused', () => {
  const images = [];
  for (const subject of ['s1', 's2', 's3']) {
    for (const label of ['happy', 'sad']) {
      for (let k = 0; k < 2; k++) {
        images.push({ key: `${subject}/${label}/${k}.png`, label, subject });
      }
    }
  }
  const r = sampleLabelTriplets(images, {
    count: 200,
    rng: mulberry32(3),
    source: 's',
    crossSubject: true,
  });
  assert.ok(r.rows.length > 50, String(r.rows.length));
  for (const row of r.rows) assert.notEqual(row.a.split('/')[0], row.p.split('/')[0]);
  const plain = sampleLabelTriplets(images, { count: 200, rng: mulberry32(3), source: 's' });
  assert.ok(plain.rows.some((row) => row.a.split('/')[0] === row.p.split('/')[0]));
  assert.throws(
    () =>
      sampleLabelTriplets([{ key: 'x.png', label: 'happy' }], {
        count: 1,
        rng: mulberry32(1),
        source: 's',
        crossSubject: true,
      }),
    (e: Error & { code?: string; option?: string }) =>
      e.code === 'E_DATA_FORMAT' && e.option === 'crossSubject',
  );
});
