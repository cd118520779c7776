// The raw-pixel baseline on the real FER2013 PrivateTest triplets (5,000 seeded two-class
// triplets, as `exprsim data triplets` makes them): the calibration figure is 34.7% (chance
// 33.3%). Skips when the shared data is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  evaluateEmbedder,
  initEngine,
  loadEvalData,
  loadLabelsCsv,
  rawPixelEmbedder,
  writeLabelTriplets,
} from '../src/index.js';
import { makeTempDir, removeDir } from './fixtures/images/helpers.js';
import { sharedDataOrSkip } from './helpers.js';

const { path: labels, skip } = sharedDataOrSkip(
  'fer2013/labels.csv',
  'the FER2013 raw-pixel baseline',
);

test('raw pixels score about chance on FER2013 PrivateTest triplets', { skip }, async () => {
  await initEngine();
  const dir = await makeTempDir('exprsim-fer-');
  try {
    const ds = await loadLabelsCsv(labels, { checkFiles: false });
    // Only the test split: each split has its own derived seed, so these are the same 5,000
    // triplets the default `exprsim data triplets` writes.
    await writeLabelTriplets(ds, {
      outDir: dir,
      counts: { train: 0, val: 0, test: 5000 },
      seed: 1,
    });
    const data = await loadEvalData(dir, { split: 'test', noRetrieval: true });
    assert.equal(data.rows.length, 5000);
    const r = await evaluateEmbedder(rawPixelEmbedder([48, 48, 1]), data, {
      bootstrap: { resamples: 200 },
    });
    const a = r.tripletAccuracy;
    console.log(
      `FER2013 PrivateTest raw pixels: ${(100 * a.accuracy).toFixed(1)}% [${(100 * a.ci[0]).toFixed(1)}, ${(100 * a.ci[1]).toFixed(1)}]`,
    );
    assert.ok(a.accuracy > 0.33 && a.accuracy < 0.37, `${a.accuracy}`);
    assert.ok(a.ci[0] < a.accuracy && a.accuracy < a.ci[1]);
  } finally {
    await removeDir(dir);
  }
});
