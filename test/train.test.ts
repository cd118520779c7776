// A short real training run on a tiny generated dataset: the loss goes down, the best model is
// a loadable artifact with provenance, and eval scores it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  averageUnitRows,
  evaluateEmbedder,
  formatMargins,
  scoreMarginsOverBaselines,
  PixelInputSource,
  initEngine,
  loadEvalData,
  loadModel,
  openModelEmbedder,
  readMetrics,
  runBaselines,
  train,
  type StepMetrics,
} from '../src/index.js';
import { makeTempDir, removeDir } from './fixtures/images/helpers.js';
import { makeSyntheticDataset } from './fixtures/train/synthetic.js';

await initEngine();
const dir = await makeTempDir('exprsim-train-');
const { triplets } = await makeSyntheticDataset(dir, { perLabel: { train: 6, val: 4, test: 4 } });
const out = join(dir, 'run');

test.after(() => removeDir(dir));

test('training lowers the loss and exports a loadable best model with provenance', async () => {
  const tensorsBefore = tf.memory().numTensors;
  const r = await train({
    out,
    options: {
      head: 'densenet',
      headConfig: { growth: 4, layersPerBlock: 1, stemStride: 2 },
      input: { kind: 'pixels', shape: [16, 16, 1] },
      triplets,
      batchSize: 16,
      epochs: 3,
      lr: 3e-3,
      schedule: 'cosine',
      warmupSteps: 2,
      workers: 1,
    },
    command: 'test',
  });
  assert.equal(r.status, 'completed');
  assert.equal(r.step, 18); // 96 triplets / 16 per step × 3 epochs
  // Nothing is left on the tensor engine once train() returns.
  assert.equal(tf.memory().numTensors, tensorsBefore);

  const lines = readMetrics(join(out, 'metrics.jsonl'));
  const steps = lines.filter((l): l is StepMetrics => l.kind === 'step');
  assert.deepEqual(
    steps.map((s) => s.step),
    Array.from({ length: 18 }, (_, i) => i + 1),
  );
  const mean = (xs: StepMetrics[]) => xs.reduce((s, x) => s + x.loss, 0) / xs.length;
  const first = mean(steps.slice(0, 6));
  const last = mean(steps.slice(-6));
  assert.ok(last < 0.5 * first, `loss ${first} → ${last}`);
  assert.equal(lines.filter((l) => l.kind === 'val').length, 3);
  assert.equal(lines.filter((l) => l.kind === 'epoch').length, 3);
  assert.ok(steps[0].lr < steps[2].lr, 'warmup');
  assert.ok(steps.every((s) => s.tripletsPerSec > 0 && s.time > 0));

  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(config.head.name, 'densenet');
  assert.equal(config.head.config.inputMode, 'pixels');

  const { model, manifest } = await loadModel(join(out, 'best'));
  model.dispose();
  assert.equal(manifest.backbone, 'pixels');
  assert.equal(manifest.training?.command, 'test');
  assert.match(
    String((manifest.training?.dataset as { manifestSha256: string }).manifestSha256),
    /^[0-9a-f]{64}$/,
  );
  assert.ok((manifest.metrics?.tripletAccuracy as number) > 0.5, JSON.stringify(manifest.metrics));
  assert.equal(r.best?.step, manifest.training?.step);
});

test('eval scores the trained model; baselines are scored the same way', async () => {
  const data = await loadEvalData(triplets, { split: 'test' });
  const embedder = await openModelEmbedder(join(out, 'best'));
  const r = await evaluateEmbedder(embedder, data, { bootstrap: { resamples: 200 } });
  embedder.dispose();
  assert.equal(r.triplets, data.rows.length);
  assert.equal(r.dim, 16);
  const a = r.tripletAccuracy;
  assert.ok(a.ci[0] <= a.accuracy && a.accuracy <= a.ci[1]);
  assert.deepEqual(Object.keys(a.byType), ['TWO_CLASS_TRIPLET']);
  assert.equal(r.retrieval?.images, 12); // 3 labels × 4 test images
  assert.ok((r.retrieval?.map ?? 0) > 0);
  console.log(
    `tiny fixture: trained model ${(100 * a.accuracy).toFixed(1)}% [${a.ci.map((x) => (100 * x).toFixed(1)).join(', ')}], mAP ${r.retrieval?.map.toFixed(3)}`,
  );

  const b = await runBaselines(data, {
    only: ['raw-pixels', 'untrained-head'],
    pixels: [16, 16, 1],
    bootstrap: { resamples: 100 },
  });
  assert.deepEqual(b.failed, []);
  assert.deepEqual(
    b.results.map((x) => x.embedder),
    ['raw-pixels', 'untrained-se-densenet'],
  );
  assert.equal(b.results[0].dim, 256);
  for (const x of b.results)
    console.log(`tiny fixture: ${x.embedder} ${(100 * x.tripletAccuracy.accuracy).toFixed(1)}%`);
});

test('eval --average-flip on a pixel model: each vector is the normalised mean over the image and its mirror', async () => {
  const data = await loadEvalData(triplets, { split: 'test' });
  const paths = data.rows.slice(0, 5).map((t) => data.resolve(t.source, t.a));
  const embedder = await openModelEmbedder(join(out, 'best'), { averageFlip: true });
  assert.equal(embedder.info.averageFlip, true);
  const got = await embedder.embed(paths);
  embedder.dispose();
  const { model } = await loadModel(join(out, 'best'));
  const source = new PixelInputSource({ kind: 'pixels', shape: [16, 16, 1], cache: false });
  const x = await source.load(paths);
  const own = model.predict(x) as tf.Tensor;
  const mirrored = model.predict(tf.reverse(x, 2)) as tf.Tensor;
  const want = averageUnitRows(
    (await own.data()) as Float32Array,
    (await mirrored.data()) as Float32Array,
    16,
  );
  tf.dispose([x, own, mirrored]);
  model.dispose();
  assert.equal(got.data.length, want.length);
  got.data.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `${i}: ${v} vs ${want[i]}`));
  // Not the plain embedding: the synthetic faces are not mirror-symmetric.
  const plain = await openModelEmbedder(join(out, 'best'));
  const p = await plain.embed(paths);
  plain.dispose();
  assert.ok(p.data.some((v, i) => Math.abs(v - got.data[i]) > 1e-3));
});

test('--init starts a run from a trained model: its head and weights, checked against the run', async () => {
  const from = join(out, 'best');
  const initOut = join(dir, 'run-init');
  // No head named: the model's head and config. One step at a negligible lr keeps the weights.
  const r = await train({
    out: initOut,
    options: {
      init: from,
      input: { kind: 'pixels', shape: [16, 16, 1] },
      triplets,
      steps: 1,
      lr: 1e-9,
      workers: 1,
    },
  });
  assert.equal(r.config.head.name, 'densenet');
  assert.match(r.config.init?.weightsSha256 ?? '', /^[0-9a-f]{64}$/);
  const a = await loadModel(from);
  const b = await loadModel(join(initOut, 'best'));
  // Trainable weights only: a step updates batch-norm statistics whatever the lr.
  const wa = a.model.trainableWeights.map((w) => w.read().dataSync());
  const wb = b.model.trainableWeights.map((w) => w.read().dataSync());
  a.model.dispose();
  b.model.dispose();
  assert.equal(wa.length, wb.length);
  wa.forEach((w, i) =>
    w.forEach((v, k) => assert.ok(Math.abs(v - wb[i][k]) < 1e-6, `w${i}[${k}]`)),
  );
  // Its val accuracy is the model's, not a fresh head's.
  const { manifest } = await loadModel(from).then((m) => (m.model.dispose(), m));
  assert.equal(typeof manifest.metrics?.tripletAccuracy, 'number');
  assert.equal(r.best?.valAccuracy, manifest.metrics?.tripletAccuracy);

  // Another head, inputs of another shape, or a preset without a head are refused before
  // anything is written: the same --out then takes a corrected run.
  const badOut = join(dir, 'run-init-bad');
  const refused = async (options: Parameters<typeof train>[0]['options'], re: RegExp) => {
    await assert.rejects(
      train({ out: badOut, options }),
      (e: Error & { code?: string }) => e.code === 'E_BAD_OPTION' && re.test(e.message),
    );
    assert.equal(existsSync(join(badOut, 'config.json')), false);
  };
  await refused(
    {
      init: from,
      headConfig: { preset: 'deep' },
      input: { kind: 'pixels', shape: [16, 16, 1] },
      triplets,
      steps: 1,
      workers: 1,
    },
    /a head `preset` needs `head` when starting from `init`/,
  );
  await refused(
    { init: from, input: { kind: 'pixels', shape: [12, 12, 1] }, triplets, steps: 1, workers: 1 },
    /takes 16x16x1 inputs; this run's are 12x12x1/,
  );
  await refused(
    {
      init: from,
      head: 'se-densenet',
      input: { kind: 'pixels', shape: [16, 16, 1] },
      triplets,
      steps: 1,
      workers: 1,
    },
    /is a densenet head/,
  );
  await refused(
    { init: from, input: { kind: 'pixels', shape: [16, 16, 3] }, triplets, steps: 1, workers: 1 },
    /takes 16x16x1 inputs/,
  );
  const again = await train({
    out: badOut,
    options: {
      init: from,
      input: { kind: 'pixels', shape: [16, 16, 1] },
      triplets,
      steps: 1,
      workers: 1,
    },
  });
  assert.equal(again.status, 'completed');

  // A run stopped before its first checkpoint resumes from the model again, after checking that
  // the model's weights are still the ones its config.json recorded.
  const config = readFileSync(join(badOut, 'config.json'), 'utf8');
  const early = join(dir, 'run-init-early');
  mkdirSync(early);
  writeFileSync(join(early, 'config.json'), config);
  const resumed = await train({ out: early, resume: true });
  assert.equal(resumed.startStep, 0);
  assert.equal(resumed.status, 'completed');
  const changed = join(dir, 'run-init-changed');
  mkdirSync(changed);
  const c = JSON.parse(config) as { init: { weightsSha256: string } };
  c.init.weightsSha256 = '0'.repeat(64);
  writeFileSync(join(changed, 'config.json'), JSON.stringify(c));
  await assert.rejects(
    train({ out: changed, resume: true }),
    /model changed since the run started/,
  );
});

test('eval versus baselines: each margin is the model accuracy minus the baseline, paired on the same triplets', async () => {
  const data = await loadEvalData(triplets, { split: 'test', noRetrieval: true });
  const embedder = await openModelEmbedder(join(out, 'best'));
  let scores: Float64Array = new Float64Array(0);
  const r = await evaluateEmbedder(embedder, data, { onScores: (s) => (scores = s) });
  embedder.dispose();
  assert.equal(scores.length, data.rows.length);
  const vs = await scoreMarginsOverBaselines(scores, data, {
    only: ['raw-pixels', 'untrained-head'],
    pixels: [16, 16, 1],
    bootstrap: { resamples: 300 },
  });
  assert.deepEqual(vs.failed, []);
  assert.deepEqual(
    vs.margins.map((m) => m.baseline),
    ['raw-pixels', 'untrained-se-densenet'],
  );
  for (const m of vs.margins) {
    const want = r.tripletAccuracy.accuracy - m.accuracy;
    assert.ok(
      Math.abs(m.margin.difference - want) < 1e-12,
      `${m.baseline}: ${m.margin.difference} vs ${want}`,
    );
    assert.ok(m.margin.ci[0] <= m.margin.difference && m.margin.difference <= m.margin.ci[1]);
  }
  const lines = formatMargins('model', vs);
  assert.equal(lines.length, 3);
  assert.match(lines[1], /raw-pixels .* margin [+−]\d+\.\d \([+−]\d+\.\d to [+−]\d+\.\d\)/);
});
