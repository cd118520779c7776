import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fecInfo } from './fec-info.js';

const SAMPLE = fileURLToPath(new URL('../../test/fixtures/fec/sample.csv', import.meta.url));

test('fec-info on the fixture: counts, images, types, raters, agreement, ties (hand-checked)', async () => {
  const info = await fecInfo(SAMPLE);
  assert.equal(info.rows, 6);
  assert.equal(info.badRows, 12);
  assert.equal(info.uniqueImages, 6);
  assert.equal(info.uniqueCrops, 7);
  assert.deepEqual(info.types, {
    ONE_CLASS_TRIPLET: 2,
    TWO_CLASS_TRIPLET: 2,
    THREE_CLASS_TRIPLET: 2,
  });
  assert.deepEqual(info.raterCounts, { '6': 4, '9': 2 });
  assert.deepEqual(
    info.agreement.map((b) => [b.fraction, b.rows]),
    [
      ['5/9', 1],
      ['2/3', 1],
      ['7/9', 1],
      ['1/1', 1],
    ],
  );
  assert.equal(info.ties, 2);
  assert.deepEqual(
    {
      kept: info.triplets.kept,
      ties: info.triplets.droppedTies,
      low: info.triplets.droppedLowAgreement,
    },
    { kept: 4, ties: 2, low: 0 },
  );
});

test('fec-info with minAgreement 0.7 keeps 7/9 and 1/1; with ties lowest keeps the ties', async () => {
  const strict = await fecInfo(SAMPLE, { minAgreement: 0.7 });
  assert.deepEqual(
    [strict.triplets.kept, strict.triplets.droppedTies, strict.triplets.droppedLowAgreement],
    [2, 2, 2],
  );
  const all = await fecInfo(SAMPLE, { ties: 'lowest' });
  assert.deepEqual([all.triplets.kept, all.triplets.droppedTies], [6, 0]);
  assert.equal(all.ties, 2, 'the histogram still reports ties');
});

test('fec-info fails on a UTF-16 or binary file, and on one whose every row is bad', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-fec-info-'));
  try {
    const text = await readFile(SAMPLE, 'utf8');
    const u16 = join(dir, 'u16.csv');
    await writeFile(u16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    await assert.rejects(fecInfo(u16), {
      code: 'E_DATA_FORMAT',
      message: /is UTF-16 text, not a UTF-8 FEC CSV/,
    });
    const bin = join(dir, 'bin.csv');
    await writeFile(bin, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256)));
    await assert.rejects(fecInfo(bin), { code: 'E_DATA_FORMAT', message: /is a binary file/ });
    const other = join(dir, 'labels.csv');
    await writeFile(other, 'path,label\na.jpg,happy\nb.jpg,sad\n');
    await assert.rejects(fecInfo(other), (e: Error & { code?: string; input?: string }) => {
      assert.equal(e.code, 'E_DATA_FORMAT');
      assert.match(e.message, /^no valid rows: all 3 rows are bad, e\.g\. line 1: has 2 fields/);
      assert.equal(e.input, other);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
