import { test } from 'node:test';
import assert from 'node:assert/strict';
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
