import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import {
  createBackbone,
  createHead,
  decodeNpyFloat32,
  initEngine,
  prepareFace,
  readImage,
  saveModel,
  type FeatureCacheManifest,
  type JsonObject,
} from '../src/index.js';
import { runCli, sharedDataDir, sharedDataOrSkip } from './helpers.js';

await initEngine();
const root = await mkdtemp(join(tmpdir(), 'exprsim-features-cli-'));
test.after(() => rm(root, { recursive: true, force: true }));

test('exprsim features caches a folder (resumable), exprsim embed embeds it with a head on that cache', async () => {
  const faces = join(root, 'faces');
  await mkdir(join(faces, 'a'), { recursive: true });
  for (let i = 0; i < 5; i++) {
    const px = Buffer.alloc(48 * 48);
    for (let k = 0; k < px.length; k++) px[k] = (128 + 100 * Math.sin(k / (9 + i))) | 0;
    await sharp(px, { raw: { width: 48, height: 48, channels: 1 } })
      .png()
      .toFile(join(faces, 'a', `f${i}.png`));
  }
  await writeFile(join(faces, 'a', 'broken.png'), 'no png here');
  const cache = join(root, 'cache');
  const args = ['--json', 'features', faces, '--backbone', 'faceapi-expression', '--out', cache];
  const r1 = await runCli([...args, '--shard-size', '2']);
  assert.equal(r1.code, 0, r1.stderr);
  const s1 = JSON.parse(r1.stdout);
  assert.equal(s1.stored, 5);
  assert.equal(s1.unreadable.count, 1);
  assert.deepEqual(s1.shards, { total: 3, written: 3, reused: 0 });
  assert.deepEqual(s1.shape, [7, 7, 256]);
  const r2 = await runCli([...args, '--shard-size', '2']);
  assert.deepEqual(JSON.parse(r2.stdout).shards, { total: 3, written: 0, reused: 3 });
  // The library names its option key (`outDir`); the CLI shows the flag.
  const r3 = await runCli([...args, '--shard-size', '3']);
  assert.equal(r3.code, 1);
  assert.match(r3.stderr, /shard size 2, this run uses 3 \(write to a new `--out` folder/);

  // A head trained on this cache records its backbone and preprocessing: embed repeats them.
  const manifest = JSON.parse(
    await readFile(join(cache, 'features.json'), 'utf8'),
  ) as FeatureCacheManifest;
  const model = createHead('less-densenet', { preset: 'shallow', inputShape: manifest.shape });
  const modelDir = join(root, 'model');
  await saveModel(model, modelDir, {
    backbone: { name: manifest.backbone.name, version: manifest.backbone.version },
    preprocess: manifest.preprocess as unknown as JsonObject,
  });
  model.dispose();
  const out = join(root, 'emb.npy');
  const e = await runCli([
    '--json',
    'embed',
    faces,
    '--model',
    modelDir,
    '--out',
    out,
    '--no-detect',
  ]);
  assert.equal(e.code, 0, e.stderr);
  const es = JSON.parse(e.stdout);
  assert.equal(es.faces, 5);
  assert.equal(es.failed.length, 1);
  assert.match(es.failed[0].reason, /broken\.png/);
  const arr = decodeNpyFloat32(await readFile(out));
  assert.deepEqual(arr.shape, [5, 16]);
  for (let i = 0; i < 5; i++) {
    assert.ok(Math.abs(Math.hypot(...arr.data.slice(i * 16, i * 16 + 16)) - 1) < 1e-5);
  }
  const rows = (await readFile(join(root, 'emb.rows.csv'), 'utf8')).trim().split('\n');
  assert.equal(rows.length, 6);
  assert.match(rows[1], /f0\.png,0,/);
});

test('exprsim features: an unknown backbone names the valid ones', async () => {
  const r = await runCli(['features', root, '--backbone', 'vgg', '--out', join(root, 'x')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown backbone "vgg".*faceapi-recognition, faceapi-expression/);
});

const FER = join(sharedDataDir(), 'fer2013');
const { path: LABELS, skip } = sharedDataOrSkip(
  'fer2013/labels.csv',
  'the FER2013 backbone checks',
);

// face-api's label for each FER2013 label.
const FER_TO_FACEAPI: Record<string, string> = {
  angry: 'angry',
  disgust: 'disgusted',
  fear: 'fearful',
  happy: 'happy',
  neutral: 'neutral',
  sad: 'sad',
  surprise: 'surprised',
};

test('backbones on real FER2013 faces behave sensibly', { skip }, async () => {
  const rows = readFileSync(LABELS, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  const per = new Map<string, number>();
  const picked = rows.filter(([, label, usage]) => {
    if (usage !== 'PrivateTest' || (per.get(label) ?? 0) >= 6) return false;
    per.set(label, (per.get(label) ?? 0) + 1);
    return true;
  });
  const expr = await createBackbone('faceapi-expression');
  const rec = await createBackbone('faceapi-recognition');
  try {
    const imgs = await Promise.all(picked.map(([p]) => readImage(join(FER, p))));
    // Expression net: its top class matches the FER2013 label far above chance (1/7).
    const ex = await Promise.all(imgs.map((im) => prepareFace(im, expr.preprocess)));
    const x = tf.tensor4d(Float32Array.from(ex.flatMap((f) => Array.from(f.data))), [
      ex.length,
      112,
      112,
      3,
    ]);
    const { features, output } = expr.forward(x);
    const probs = await output.array();
    tf.dispose([x, features, output]);
    const labels = expr.outputLabels as readonly string[];
    const hits = probs.filter(
      (p, i) => labels[p.indexOf(Math.max(...p))] === FER_TO_FACEAPI[picked[i][1]],
    ).length;
    assert.ok(hits / picked.length > 0.45, `expression accuracy ${hits}/${picked.length}`);
    // Identity descriptors: a face and its mirror image are closer than two different faces.
    const some = imgs.slice(0, 12);
    const mirrored = some.map((im) => {
      const data = new Uint8Array(im.data.length);
      for (let y = 0; y < im.height; y++)
        for (let xx = 0; xx < im.width; xx++)
          for (let c = 0; c < 3; c++)
            data[(y * im.width + xx) * 3 + c] =
              im.data[(y * im.width + (im.width - 1 - xx)) * 3 + c];
      return { ...im, data };
    });
    const rf = await Promise.all(
      [...some, ...mirrored].map((im) => prepareFace(im, rec.preprocess)),
    );
    const rx = tf.tensor4d(Float32Array.from(rf.flatMap((f) => Array.from(f.data))), [
      rf.length,
      150,
      150,
      3,
    ]);
    const r = rec.forward(rx);
    const d = await r.output.array();
    tf.dispose([rx, r.features, r.output]);
    const dist = (a: number[], b: number[]) => Math.hypot(...a.map((v, i) => v - b[i]));
    let closer = 0;
    for (let i = 0; i < some.length; i++) {
      const self = dist(d[i], d[some.length + i]);
      const others = some.map((_, j) => (j === i ? Infinity : dist(d[i], d[j])));
      if (self < Math.min(...others)) closer++;
    }
    assert.ok(closer >= some.length - 1, `mirror nearest for ${closer}/${some.length}`);
    console.log(
      `# FER2013: expression top-1 ${hits}/${picked.length}; mirror nearest ${closer}/${some.length}`,
    );
  } finally {
    expr.dispose();
    rec.dispose();
  }
});
