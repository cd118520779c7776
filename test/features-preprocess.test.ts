// The preprocessing record end to end: `exprsim features --mask ellipse` records it in the
// cache, training copies the cache's record into the model manifest, and createEmbedder applies
// it (masked pixels are black) when embedding new images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createBackbone,
  createEmbedder,
  initEngine,
  loadModel,
  openFeatureCache,
  readImage,
  resolvePreprocessConfig,
  train,
  type FeatureCacheManifest,
} from '../src/index.js';
import { makeTempDir, removeDir } from './fixtures/images/helpers.js';
import { makeSyntheticDataset } from './fixtures/train/synthetic.js';
import { runCli } from './helpers.js';

await initEngine();
const dir = await makeTempDir('exprsim-preprocess-');
test.after(() => removeDir(dir));
const { triplets } = await makeSyntheticDataset(dir, {
  size: 24,
  perLabel: { train: 3, val: 2, test: 2 },
  counts: { train: 16, val: 6, test: 3 },
});

test('a --mask ellipse cache → the trained model’s manifest → createEmbedder applies the mask', async () => {
  const cache = join(dir, 'cache-ellipse');
  const args = ['--json', 'features', triplets, '--backbone', 'faceapi-expression'];
  const bad = await runCli([...args, '--align', 'five-point', '--out', cache]);
  assert.equal(bad.code, 1, 'alignment needs a detector');
  assert.match(bad.stderr, /`--align` five-point needs `--detector`/);
  const badPad = await runCli([...args, '--pad', '0.25', '--out', cache]);
  assert.equal(badPad.code, 1);
  assert.match(badPad.stderr, /`--pad` needs `--detector` \(add `--detector` mtcnn/);
  const badMode = await runCli([
    ...args,
    '--detector',
    'mtcnn',
    '--when-no-face',
    'guess',
    '--out',
    cache,
  ]);
  assert.equal(badMode.code, 1);
  assert.match(badMode.stderr, /--when-no-face must be skip, whole-image/);
  const r = await runCli([...args, '--mask', 'ellipse', '--out', cache]);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.preprocess.mask, 'ellipse');

  const backbone = await createBackbone('faceapi-expression');
  const expected = resolvePreprocessConfig(
    { crop: 'whole-image', mask: 'ellipse' },
    backbone.preprocess,
  );
  backbone.dispose();
  const manifest = JSON.parse(
    await readFile(join(cache, 'features.json'), 'utf8'),
  ) as FeatureCacheManifest;
  assert.deepEqual(manifest.preprocess, expected);
  assert.deepEqual({ ...manifest.preprocess, mask: 'none' }, backbone.preprocess);

  const run = join(dir, 'run');
  const t = await train({
    out: run,
    options: {
      head: 'densenet',
      headConfig: { growth: 4, layersPerBlock: 1 },
      input: { kind: 'features', cache },
      triplets,
      batchSize: 8,
      steps: 2,
      workers: 1,
    },
    command: 'test',
  });
  assert.equal(t.status, 'completed');
  const saved = await loadModel(join(run, 'best'));
  saved.model.dispose();
  assert.deepEqual(saved.manifest.preprocess, manifest.preprocess);

  const embedder = await createEmbedder(join(run, 'best'));
  try {
    assert.deepEqual(embedder.preprocess, expected);
    const c = await openFeatureCache(cache);
    const file = join(Object.values(c.manifest.sources)[0], c.keys[0]);
    c.close();
    const img = await readImage(file);
    const face = await embedder.prepareFace(img);
    const at = (x: number, y: number) => face.data[(y * face.width + x) * 3];
    assert.equal(face.width, 112);
    for (const [x, y] of [
      [0, 0],
      [111, 0],
      [0, 111],
      [111, 111],
      [10, 10],
    ]) {
      assert.equal(at(x, y), 0, `(${x}, ${y}) is outside the ellipse`);
    }
    assert.ok(at(56, 56) > 0 && at(56, 1) > 0 && at(1, 56) > 0, 'inside the ellipse');
    const [viaFaces] = await embedder.embedFaces([img]);
    const [viaPrepared] = await embedder.embedPrepared([face]);
    assert.deepEqual(viaFaces, viaPrepared);
  } finally {
    embedder.dispose();
  }
});

test('features --detector viola-jones --pad --when-no-face whole-image keeps every image and reports the detection rate', async () => {
  const cache = join(dir, 'cache-vj-framed');
  const r = await runCli([
    '--json',
    'features',
    triplets,
    '--backbone',
    'faceapi-expression',
    '--detector',
    'viola-jones',
    '--pad',
    '0.25',
    '--when-no-face',
    'whole-image',
    '--mask',
    'ellipse',
    '--out',
    cache,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.preprocess.crop.pad, 0.25);
  assert.equal(summary.preprocess.crop.noFace, 'whole-image');
  // Every image is stored, whether or not the real detector found a face in it.
  assert.equal(summary.stored, summary.dataset.images);
  const d = summary.detection;
  assert.equal(d.images, summary.dataset.images);
  assert.equal(d.found + d.undetected, d.images);
  assert.equal(d.rate, d.found / d.images);
});
