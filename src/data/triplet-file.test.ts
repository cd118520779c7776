import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatTriplet,
  readTripletFile,
  tripletProblem,
  writeTripletFile,
  type TripletRow,
} from './triplet-file.js';

const ROW: TripletRow = {
  a: 'x/1.jpg',
  p: 'x/2.jpg',
  n: 'y/3.jpg',
  type: 'TWO_CLASS_TRIPLET',
  agreement: 1,
  source: 'fer2013',
};

test('a triplet is one JSON line with a fixed field order', () => {
  assert.equal(
    formatTriplet(ROW),
    '{"a":"x/1.jpg","p":"x/2.jpg","n":"y/3.jpg","type":"TWO_CLASS_TRIPLET","agreement":1,"source":"fer2013"}',
  );
  assert.equal(
    formatTriplet({ ...ROW, raters: 6, extra: 1 } as TripletRow),
    formatTriplet(ROW).replace('}', ',"raters":6}'),
  );
});

test('validation names the problem', () => {
  assert.equal(tripletProblem(ROW), undefined);
  assert.match(tripletProblem([]) as string, /not a JSON object/);
  assert.match(tripletProblem({ ...ROW, n: '' }) as string, /"n" must be a non-empty string/);
  assert.match(tripletProblem({ ...ROW, n: 'x/1.jpg' }) as string, /three different images/);
  assert.match(tripletProblem({ ...ROW, type: 'X' }) as string, /"type" must be one of/);
  assert.match(tripletProblem({ ...ROW, agreement: 2 }) as string, /"agreement"/);
  assert.match(tripletProblem({ ...ROW, raters: 0 }) as string, /"raters"/);
});

test('write then read round-trips; a damaged line is an error naming it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-trip-'));
  try {
    const p = join(dir, 'train.jsonl');
    await writeTripletFile(p, [ROW, { ...ROW, a: 'x/9.jpg', raters: 9, agreement: 7 / 9 }]);
    assert.equal((await readFile(p, 'utf8')).split('\n').length, 3);
    const back = await readTripletFile(p);
    assert.deepEqual(back[0], ROW);
    assert.equal(back[1].agreement, 7 / 9);
    await writeFile(p, `${formatTriplet(ROW)}\n{"a":1}\n`);
    await assert.rejects(readTripletFile(p), {
      code: 'E_DATA_FORMAT',
      message: /line 2: "a" must be a non-empty string/,
    });
    await writeFile(p, 'nope\n');
    await assert.rejects(readTripletFile(p), {
      code: 'E_DATA_FORMAT',
      message: /line 1 is not JSON/,
    });
    await writeTripletFile(p, []);
    assert.deepEqual(await readTripletFile(p), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
