// The frozen-classifier baseline (Human's emotion probabilities) runs through runBaselines like
// the others, and a missing weight file is reported (naming the file and the fix), not fatal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeTempDir, removeDir } from '../../test/fixtures/images/helpers.js';
import { makeSyntheticDataset } from '../../test/fixtures/train/synthetic.js';
import { initEngine } from '../engine/backend.js';
import { BASELINE_NAMES, runBaselines } from './baselines.js';
import { loadEvalData } from './evaluate.js';
import { rawPixelEmbedder } from '../embed/embedders.js';

await initEngine();
const dir = await makeTempDir('exprsim-baselines-');
const { triplets } = await makeSyntheticDataset(dir, {
  perLabel: { train: 2, val: 2, test: 3 },
  counts: { train: 3, val: 3, test: 20 },
});
test.after(() => removeDir(dir));

test('human-emotion is a baseline, scored as 7 probabilities per face', async () => {
  assert.ok((BASELINE_NAMES as readonly string[]).includes('human-emotion'));
  const data = await loadEvalData(triplets, { split: 'test' });
  const { results, failed } = await runBaselines(data, {
    only: ['human-emotion'],
    bootstrap: { resamples: 50 },
  });
  assert.deepEqual(failed, []);
  assert.equal(results.length, 1);
  const r = results[0];
  assert.equal(r.embedder, 'human-emotion-output');
  assert.equal(r.dim, 7);
  assert.equal(r.triplets, data.rows.length);
  assert.equal(r.info.kind, 'classifier-output');
  assert.deepEqual(r.info.labels, [
    'angry',
    'disgust',
    'fear',
    'happy',
    'neutral',
    'sad',
    'surprise',
  ]);
  assert.equal((r.info.classifier as { name: string }).name, 'human-emotion');
  const a = r.tripletAccuracy;
  assert.ok(a.ci[0] <= a.accuracy && a.accuracy <= a.ci[1]);
});

test('missing human-emotion weights are reported with the file and the fix', async () => {
  const data = await loadEvalData(triplets, { split: 'test', noRetrieval: true });
  const empty = await makeTempDir('exprsim-no-models-');
  const was = process.env.EXPRSIM_MODEL_DIR;
  process.env.EXPRSIM_MODEL_DIR = empty;
  try {
    const { results, failed } = await runBaselines(data, { only: ['human-emotion'] });
    assert.deepEqual(results, []);
    assert.equal(failed.length, 1);
    assert.equal(failed[0].baseline, 'human-emotion');
    assert.ok(failed[0].error.includes(join(empty, 'human-emotion', 'emotion.json')));
    assert.match(failed[0].error, /EXPRSIM_MODEL_DIR/);
  } finally {
    if (was === undefined) delete process.env.EXPRSIM_MODEL_DIR;
    else process.env.EXPRSIM_MODEL_DIR = was;
    await removeDir(empty);
  }
});

test('baselines resample with the kernel asked for, and say which', async () => {
  const data = await loadEvalData(triplets, { split: 'test', noRetrieval: true });
  const paths = data.rows.slice(0, 4).map((t) => data.resolve(t.source, t.a));
  const lanczos = rawPixelEmbedder([11, 11, 1]);
  const nearest = rawPixelEmbedder([11, 11, 1], 'nearest');
  const a = await lanczos.embed(paths);
  const b = await nearest.embed(paths);
  lanczos.dispose();
  nearest.dispose();
  assert.equal(lanczos.info.resize, 'lanczos3');
  assert.equal(nearest.info.resize, 'nearest');
  assert.equal(a.data.length, b.data.length);
  assert.ok(
    a.data.some((v, i) => Math.abs(v - b.data[i]) > 1e-3),
    'the kernel changes the pixels',
  );
  const { results } = await runBaselines(data, {
    only: ['faceapi-expression'],
    resize: 'linear',
    bootstrap: { resamples: 0 },
  });
  assert.equal(results[0].embedder, 'faceapi-expression-output-linear');
  assert.equal(results[0].info.resize, 'linear');
  assert.throws(() => rawPixelEmbedder([16, 16, 1], 'bicubic' as never), /unknown resize kernel/);
});
