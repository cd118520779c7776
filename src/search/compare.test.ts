import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compareFaces,
  distancePercentile,
  readModelCalibration,
  resolveCalibration,
  storeCalibration,
  MIN_STORE_FACES,
} from './compare.js';
import type { FaceStore } from './types.js';

const dir = await mkdtemp(join(tmpdir(), 'exprsim-compare-'));
test.after(() => rm(dir, { recursive: true, force: true }));

/** Just enough of a store for calibration. */
function fakeStore(n: number): FaceStore {
  const vecs = Array.from({ length: n }, (_, i) =>
    Float32Array.from({ length: 16 }, (_, j) => Math.cos(i * 0.7 + j)),
  );
  return {
    location: 'fake.sqlite',
    sampleEmbeddings: async (max: number) => vecs.slice(0, max),
  } as unknown as FaceStore;
}

test('distancePercentile interpolates in the sorted random-pair distances', () => {
  const sorted = [0.2, 0.4, 0.6, 0.8, 1.0];
  assert.equal(distancePercentile(0.1, sorted), 0);
  assert.equal(distancePercentile(0.2, sorted), 0);
  assert.equal(distancePercentile(0.6, sorted), 50);
  assert.ok(Math.abs(distancePercentile(0.5, sorted) - 37.5) < 1e-9);
  assert.equal(distancePercentile(1.5, sorted), 100);
});

test("compareFaces uses the model's calibration.json first", async () => {
  const model = join(dir, 'model');
  await writeFile(join(dir, 'calibration.json'), '{}'); // not this folder's
  await rm(join(dir, 'calibration.json'));
  const { mkdir } = await import('node:fs/promises');
  await mkdir(model);
  await writeFile(
    join(model, 'calibration.json'),
    JSON.stringify({ randomPairDistances: [1.0, 0.2, 0.6, 0.4, 0.8] }),
  );
  const a = Float32Array.of(1, 0);
  const b = Float32Array.of(0.5, Math.sqrt(0.75)); // distance 1
  const c = await compareFaces(a, b, { modelDir: model, store: fakeStore(100) });
  assert.ok(Math.abs(c.distance - 1) < 1e-6);
  assert.equal(c.calibration.source, 'model');
  assert.ok(Math.abs(c.percentile! - 100) < 1e-3);
  assert.ok(Math.abs(c.similarity!) < 1e-5);
  const same = await compareFaces(a, a, { modelDir: model });
  assert.equal(same.distance, 0);
  assert.equal(same.percentile, 0);
  assert.equal(same.similarity, 1);

  await writeFile(join(model, 'calibration.json'), '{"randomPairDistances": ["x"]}');
  await assert.rejects(readModelCalibration(model), { code: 'E_MODEL_FORMAT' });
  await writeFile(join(model, 'calibration.json'), 'not json');
  await assert.rejects(compareFaces(a, b, { modelDir: model }), { code: 'E_MODEL_FORMAT' });
});

test('without a model calibration: random pairs of the store, if it has enough faces', async () => {
  const a = Float32Array.from({ length: 16 }, (_, j) => Math.cos(j));
  const b = Float32Array.from({ length: 16 }, (_, j) => Math.cos(0.7 + j));
  const few = await compareFaces(a, b, {
    modelDir: join(dir, 'none'),
    store: fakeStore(MIN_STORE_FACES - 1),
  });
  assert.equal(few.percentile, null);
  assert.equal(few.similarity, null);
  assert.equal(few.calibration.source, 'none');
  assert.match((few.calibration as { reason: string }).reason, /49 faces.*at least 50/);
  const enough = await storeCalibration(fakeStore(200));
  assert.equal(enough.source, 'store');
  const again = await storeCalibration(fakeStore(200));
  assert.deepEqual(again, enough, 'deterministic');
  const c = await compareFaces(a, b, { calibration: enough });
  assert.equal(c.calibration.source, 'store');
  assert.ok(c.percentile! >= 0 && c.percentile! <= 100);
  const none = await resolveCalibration({});
  assert.equal(none.source, 'none');
});
