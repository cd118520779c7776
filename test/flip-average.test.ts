// Flip augmentation and flip averaging on feature inputs, end to end through the CLI: a cache and
// its mirrored view (`features --mirror`), a run that flips training faces and averages flips
// (`train --flip --average-flip`, validation in worker processes), and a model whose embeddings
// are the same whether the backbone runs on the images or both caches are read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  averageUnitRows,
  createEmbedder,
  initEngine,
  loadEvalData,
  loadModel,
  mirrorImage,
  openModelEmbedder,
  readImage,
} from '../src/index.js';
import { makeTempDir, removeDir } from './fixtures/images/helpers.js';
import { makeSyntheticDataset } from './fixtures/train/synthetic.js';
import { runCli } from './helpers.js';

await initEngine();
const dir = await makeTempDir('exprsim-flip-');
const { triplets } = await makeSyntheticDataset(dir, {
  size: 24,
  perLabel: { train: 4, val: 2, test: 2 },
  counts: { train: 24, val: 12, test: 12 },
});
test.after(() => removeDir(dir));

test('train --flip --average-flip on a cache and its mirrored view; eval and embed average flips the same way', async () => {
  const plain = join(dir, 'feat');
  const mirror = join(dir, 'feat-mirror');
  const extract = ['features', triplets, '--backbone', 'faceapi-expression'];
  for (const args of [
    [...extract, '--out', plain],
    [...extract, '--out', mirror, '--mirror'],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 0, r.stderr);
  }
  const run = join(dir, 'run');
  const common = ['train', '--head', 'less-densenet', '--preset', 'shallow'];
  const rest = ['--triplets', triplets, '--steps', '3', '--batch-size', '8', '--workers', '2'];
  // --flip on a cache needs its mirrored view, and says how to make it.
  const noMirror = await runCli([...common, '--features', plain, '--flip', '--out', run, ...rest]);
  assert.equal(noMirror.code, 1, noMirror.stderr);
  assert.match(
    noMirror.stderr,
    /augment `--flip` on feature inputs needs their mirrored view.*`--mirror`/,
  );
  const swapped = await runCli([
    ...common,
    ...['--features', mirror, '--mirror-features', plain, '--flip', '--out', run],
    ...rest,
  ]);
  assert.equal(swapped.code, 1, swapped.stderr);
  assert.match(swapped.stderr, /is not the mirrored view.*not made with `--mirror`/);

  const r = await runCli([
    '--json',
    ...common,
    ...['--features', plain, '--mirror-features', mirror, '--flip', '--average-flip'],
    ...['--out', run],
    ...rest,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const { manifest, model } = await loadModel(join(run, 'best'));
  assert.equal(manifest.averageFlip, true);

  // The exported model averages flips: the embedding of a face is the normalised mean of the
  // head on its features and on its mirror image's.
  const embedder = await createEmbedder(join(run, 'best'));
  const data = await loadEvalData(triplets, { split: 'test', noRetrieval: true });
  const rows = data.rows.slice(0, 4);
  const paths = rows.map((t) => data.resolve(t.source, t.a));
  const images = await Promise.all(paths.map((p) => readImage(p, { channels: 3 })));
  const got = await embedder.embedFaces(images);
  const faces = await Promise.all(images.map((im) => embedder.prepareFace(im)));
  const headOn = async (fs: typeof faces) => {
    const x = tf.tensor4d(Float32Array.from(fs.flatMap((f) => [...f.data])), [
      fs.length,
      112,
      112,
      3,
    ]);
    const y = tf.tidy(() => model.predict(embedder.backbone!.features(x)) as tf.Tensor);
    const v = (await y.data()) as Float32Array;
    tf.dispose([x, y]);
    return v;
  };
  const want = averageUnitRows(await headOn(faces), await headOn(faces.map(mirrorImage)), 16);
  got.forEach((v, i) =>
    v.forEach((x, j) => assert.ok(Math.abs(x - want[i * 16 + j]) < 1e-4, `face ${i}[${j}]`)),
  );
  embedder.dispose();
  model.dispose();

  // Eval from the caches needs the mirrored one too, and then matches eval on the images.
  const bad = await runCli([
    'eval',
    '--model',
    join(run, 'best'),
    '--triplets',
    triplets,
    '--features',
    plain,
  ]);
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stderr, /`--mirror-features`/);
  const fromCache = await openModelEmbedder(join(run, 'best'), {
    features: plain,
    mirrorFeatures: mirror,
  });
  const fromImages = await openModelEmbedder(join(run, 'best'));
  const keys = rows.map((t, i) => fromCache.keyFor(t.source, t.a, paths[i]));
  assert.ok(keys.every((k) => fromCache.has?.(k) ?? true));
  const a = await fromCache.embed(keys);
  const b = await fromImages.embed(paths);
  assert.equal(a.data.length, b.data.length);
  // float16 storage of the maps is the only difference.
  a.data.forEach((x, i) => assert.ok(Math.abs(x - b.data[i]) < 2e-2, `${i}: ${x} vs ${b.data[i]}`));
  fromCache.dispose();
  fromImages.dispose();

  // --versus: the baselines on the same triplets, each margin = model − baseline accuracy.
  const vs = await runCli([
    'eval',
    ...['--model', join(run, 'best'), '--triplets', triplets, '--no-retrieval', '--json'],
    ...['--features', plain, '--mirror-features', mirror],
    ...['--versus', 'raw-pixels,faceapi-expression', '--versus-resize', 'linear'],
  ]);
  assert.equal(vs.code, 0, vs.stderr);
  const out = JSON.parse(vs.stdout) as {
    tripletAccuracy: { accuracy: number };
    versus: { margins: { baseline: string; accuracy: number; margin: { difference: number } }[] };
  };
  assert.deepEqual(
    out.versus.margins.map((m) => m.baseline),
    ['raw-pixels-linear', 'faceapi-expression-output-linear'],
  );
  for (const m of out.versus.margins) {
    const want = out.tripletAccuracy.accuracy - m.accuracy;
    assert.ok(Math.abs(m.margin.difference - want) < 1e-9, m.baseline);
  }
  const unknown = await runCli([
    'eval',
    ...['--model', join(run, 'best'), '--triplets', triplets, '--versus', 'face-api'],
  ]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown baseline "face-api"[\s\S]*raw-pixels/);
});
