import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LabelledImage } from './labelled.js';
import { normalizeSplit } from './labelled.js';
import { assignSplits } from './split-assign.js';

test('split names: FER2013 usages and our names, any case', () => {
  assert.equal(normalizeSplit('Training'), 'train');
  assert.equal(normalizeSplit('PublicTest'), 'val');
  assert.equal(normalizeSplit('PrivateTest'), 'test');
  assert.equal(normalizeSplit(' VAL '), 'val');
  assert.equal(normalizeSplit('validation'), 'val');
  assert.equal(normalizeSplit('holdout'), undefined);
});

test('given splits are kept', () => {
  const ims: LabelledImage[] = [
    { key: 'a', label: 'x', split: 'train' },
    { key: 'b', label: 'x', split: 'test' },
    { key: 'c', label: 'y', split: 'val' },
  ];
  const r = assignSplits(ims, { seed: 1 });
  assert.equal(r.how, 'given');
  assert.deepEqual(
    [
      r.splits.train.map((i) => i.key),
      r.splits.val.map((i) => i.key),
      r.splits.test.map((i) => i.key),
    ],
    [['a'], ['c'], ['b']],
  );
});

test('subject-disjoint: a subject in two splits keeps only the split with most of its images', () => {
  const ims: LabelledImage[] = [
    { key: 's1-a', label: 'x', split: 'train', subject: 's1' },
    { key: 's1-b', label: 'y', split: 'train', subject: 's1' },
    { key: 's1-c', label: 'x', split: 'test', subject: 's1', line: 4 },
    { key: 's2-a', label: 'x', split: 'val', subject: 's2' },
    { key: 's2-b', label: 'y', split: 'test', subject: 's2' }, // 1 vs 1: val wins (train, val, test order)
    { key: 's3-a', label: 'x', split: 'test', subject: 's3' },
  ];
  const r = assignSplits(ims, { seed: 1, subjectDisjoint: true });
  assert.deepEqual(
    r.splits.train.map((i) => i.key),
    ['s1-a', 's1-b'],
  );
  assert.deepEqual(
    r.splits.val.map((i) => i.key),
    ['s2-a'],
  );
  assert.deepEqual(
    r.splits.test.map((i) => i.key),
    ['s3-a'],
  );
  assert.equal(r.droppedForSubjectOverlap.count, 2);
  assert.deepEqual(r.droppedForSubjectOverlap.first[0], {
    line: 4,
    item: 's1-c',
    reason: 'subject s1 is kept in train, this image is in test',
  });
  assert.throws(
    () =>
      assignSplits([{ key: 'a', label: 'x', split: 'train' }], { seed: 1, subjectDisjoint: true }),
    { code: 'E_BAD_OPTION' },
  );
});

test('no split column: seeded 80/10/10 by image, or whole subjects at a time', () => {
  const ims: LabelledImage[] = Array.from({ length: 100 }, (_, i) => ({
    key: `k${i}`,
    label: i % 2 ? 'x' : 'y',
    subject: `s${i % 20}`,
  }));
  const byImage = assignSplits(
    ims.map(({ key, label }) => ({ key, label })),
    { seed: 3 },
  );
  assert.equal(byImage.how, 'random');
  assert.deepEqual(
    [byImage.splits.train.length, byImage.splits.val.length, byImage.splits.test.length],
    [80, 10, 10],
  );
  assert.ok(byImage.splits.val.every((i) => i.split === 'val'));
  const again = assignSplits(
    ims.map(({ key, label }) => ({ key, label })),
    { seed: 3 },
  );
  assert.deepEqual(
    again.splits.test.map((i) => i.key),
    byImage.splits.test.map((i) => i.key),
  );
  const bySubject = assignSplits(ims, { seed: 3 });
  const where = new Map<string, Set<string>>();
  for (const s of ['train', 'val', 'test'] as const) {
    for (const im of bySubject.splits[s])
      where.set(im.subject as string, (where.get(im.subject as string) ?? new Set()).add(s));
  }
  for (const [subject, splits] of where) assert.equal(splits.size, 1, subject);
  // 20 subjects of 5 images: 16 / 2 / 2 subjects.
  assert.deepEqual(
    [bySubject.splits.train.length, bySubject.splits.val.length, bySubject.splits.test.length],
    [80, 10, 10],
  );
  assert.throws(() => assignSplits(ims, { seed: 3, ratios: [0.5, 0.5, 0.5] }), {
    code: 'E_BAD_OPTION',
  });
});
