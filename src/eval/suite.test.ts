import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseSuite } from './suite.js';

const FILE = '/data/suites/dev.json';

test('parseSuite resolves triplet folders against the suite file and keeps each set', () => {
  const s = parseSuite(
    JSON.stringify({
      name: 'dev',
      sets: [
        { name: 'a', triplets: 'fer', split: 'val', types: ['ONE_CLASS_TRIPLET'], limit: 10 },
        { name: 'b', triplets: '../jaffe', split: 'test', detect: 'mtcnn' },
      ],
    }),
    FILE,
  );
  assert.equal(s.name, 'dev');
  assert.deepEqual(s.sets[0], {
    name: 'a',
    triplets: join('/data/suites', 'fer'),
    split: 'val',
    types: ['ONE_CLASS_TRIPLET'],
    limit: 10,
  });
  assert.equal(s.sets[1].triplets, '/data/jaffe');
  assert.equal(s.sets[1].detect, 'mtcnn');
});

test('parseSuite reads YAML too', () => {
  const s = parseSuite('sets:\n  - name: x\n    triplets: t\n    split: test\n', FILE);
  assert.equal(s.sets[0].split, 'test');
  assert.equal(s.name, 'suite');
});

test('parseSuite refuses bad suites, naming the file, the set and the fix', () => {
  const cases: [unknown, RegExp][] = [
    [{}, /non-empty "sets"/],
    [{ sets: [{ name: 'a', triplets: 't', split: 'dev' }] }, /sets\[0\]\.split/],
    [
      { sets: [{ name: 'a', triplets: 't', split: 'val', detect: 'ssd' }] },
      /unknown detector "ssd"/,
    ],
    [{ sets: [{ name: 'a', triplets: 't', split: 'val', types: ['HAPPY'] }] }, /types/],
    [{ sets: [{ name: 'a', triplets: 't', split: 'val', splt: 'x' }] }, /unknown key splt/],
    [{ sets: [{ name: 'a', triplets: 't', split: 'val', limit: -1 }] }, /limit/],
    [{ sets: [{ triplets: 't', split: 'val' }] }, /sets\[0\]\.name/],
    [
      {
        sets: [
          { name: 'a', triplets: 't', split: 'val' },
          { name: 'a', triplets: 'u', split: 'val' },
        ],
      },
      /two sets are named "a"/,
    ],
  ];
  for (const [suite, re] of cases) {
    assert.throws(
      () => parseSuite(JSON.stringify(suite), FILE),
      (e: Error & { code?: string; input?: string; fix?: string }) =>
        e.code === 'E_DATA_FORMAT' && e.input === FILE && re.test(e.message) && !!e.fix,
      JSON.stringify(suite),
    );
  }
  assert.throws(() => parseSuite('sets: [', FILE), /not JSON or YAML/);
});
