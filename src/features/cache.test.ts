import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile, unlink, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { resolvePreprocessConfig } from '../align/preprocess.js';
import { initEngine } from '../engine/backend.js';
import { readImage } from '../image/read.js';
import { mirrorImage, padImage } from '../image/transform.js';
import { extractBatch, extractFeatures, openFeatureCache, CACHE_MANIFEST } from './cache.js';
import { resolveFeatureDataset } from './dataset.js';
import { float16ToFloat32, float32ToFloat16 } from './float16.js';
import { prepareFace } from './preprocess.js';
import { createBackbone } from './registry.js';
import { assertClose, FLOAT16_CLOSE } from '../../test/fixtures/close.js';

await initEngine();

const root = await mkdtemp(join(tmpdir(), 'exprsim-features-'));
test.after(() => rm(root, { recursive: true, force: true }));

/** Seven small grey "faces" (distinct smooth patterns), one RGB JPEG and one damaged file. */
async function makeDataset(dir: string): Promise<string> {
  const lines = ['path,label,usage'];
  for (const l of ['happy', 'sad']) await mkdir(join(dir, 'images', l), { recursive: true });
  for (let i = 0; i < 7; i++) {
    const px = Buffer.alloc(48 * 48);
    for (let y = 0; y < 48; y++)
      for (let x = 0; x < 48; x++)
        px[y * 48 + x] = (128 + 100 * Math.sin((x + i * 5) / (4 + i) + y / 9)) | 0;
    const rel = `images/${i % 2 ? 'happy' : 'sad'}/face${i}.png`;
    await sharp(px, { raw: { width: 48, height: 48, channels: 1 } })
      .png()
      .toFile(join(dir, rel));
    lines.push(`${rel},${i % 2 ? 'happy' : 'sad'},Training`);
  }
  const rgb = Buffer.alloc(64 * 80 * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7) % 251;
  await sharp(rgb, { raw: { width: 64, height: 80, channels: 3 } })
    .jpeg()
    .toFile(join(dir, 'images/happy/colour.jpg'));
  lines.push('images/happy/colour.jpg,happy,PublicTest');
  await writeFile(
    join(dir, 'images/sad/broken.jpg'),
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]),
  );
  lines.push('images/sad/broken.jpg,sad,PrivateTest');
  const csv = join(dir, 'labels.csv');
  await writeFile(csv, `${lines.join('\n')}\n`);
  return csv;
}

const dataDir = join(root, 'data');
const csv = await makeDataset(dataDir);
const backbone = await createBackbone('faceapi-expression');
test.after(() => backbone.dispose());

test('resolveFeatureDataset reads a labels CSV and an image folder with the same keys', async () => {
  const a = await resolveFeatureDataset(csv);
  const b = await resolveFeatureDataset(dataDir);
  assert.equal(a.kind, 'labels-csv');
  assert.equal(b.kind, 'image-folder');
  assert.equal(a.items.length, 9);
  assert.deepEqual(
    a.items.map((i) => i.key),
    b.items.map((i) => i.key),
  );
  assert.deepEqual(
    a.items.map((i) => i.key),
    [...a.items.map((i) => i.key)].sort(),
  );
  await assert.rejects(resolveFeatureDataset(join(root, 'nope')), { code: 'E_FILE_NOT_FOUND' });
});

test('extractFeatures writes float16 shards that read back as the backbone’s maps', async () => {
  const ds = await resolveFeatureDataset(csv);
  const out = join(root, 'cache1');
  const events: number[] = [];
  const r = await extractFeatures({
    backbone,
    items: ds.items,
    sources: ds.sources,
    outDir: out,
    shardSize: 4,
    batchSize: 3,
    onProgress: (e) => events.push(e.done),
  });
  assert.equal(r.manifest.shards, 3);
  assert.equal(r.shardsWritten, 3);
  assert.equal(r.stored, 8);
  assert.equal(r.skipped.count, 1);
  assert.match(r.skipped.first[0].key, /broken\.jpg$/);
  assert.equal(events.at(-1), 9);
  const faceBytes = 7 * 7 * 256 * 2;
  assert.equal(r.bytes, 8 * faceBytes);

  const cache = await openFeatureCache(out, {
    backbone: backbone.ref(),
    preprocess: backbone.preprocess,
  });
  assert.deepEqual(cache.shape, [7, 7, 256]);
  assert.equal(cache.keys.length, 8);
  assert.equal(cache.has('images/sad/broken.jpg'), false);
  assert.deepEqual(cache.backbone, backbone.ref());

  // Same numbers as running the backbone directly, up to float16 rounding (exactly the rounding).
  const key = 'images/happy/colour.jpg';
  const face = await prepareFace(await readImage(join(dataDir, key)), backbone.preprocess);
  const direct = await extractBatch(backbone, [face]);
  assertClose(cache.get(key), float16ToFloat32(float32ToFloat16(direct)), FLOAT16_CLOSE);

  const before = tf.memory().numTensors;
  const batch = cache.batch([key, cache.keys[0], key]);
  assert.deepEqual(batch.shape, [3, 7, 7, 256]);
  const values = await batch.data();
  assert.deepEqual(values.slice(0, 12544), cache.get(key));
  assert.deepEqual(values.slice(12544, 25088), cache.get(cache.keys[0]));
  batch.dispose();
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => cache.get('missing.png'), { code: 'E_BAD_OPTION' });
});

test('a rerun resumes: done shards are kept, a shard without its index is redone', async () => {
  const ds = await resolveFeatureDataset(csv);
  const out = join(root, 'cache2');
  const opts = { backbone, items: ds.items, sources: ds.sources, outDir: out, shardSize: 4 };
  await extractFeatures(opts);
  const mtime = (await stat(join(out, 'shard-00000.f16'))).mtimeMs;
  // A run killed after writing shard 1's data but before its index, plus a stale temp file.
  await unlink(join(out, 'shard-00001.json'));
  await writeFile(join(out, '.shard-00002.f16.abc.tmp'), 'partial');
  const r = await extractFeatures(opts);
  assert.equal(r.shardsReused, 2);
  assert.equal(r.shardsWritten, 1);
  assert.equal(r.stored, 8);
  assert.equal((await stat(join(out, 'shard-00000.f16'))).mtimeMs, mtime);
  assert.ok(!(await readdir(out)).some((f) => f.endsWith('.tmp')));
  // A truncated data file does not count as done either.
  await writeFile(join(out, 'shard-00002.f16'), Buffer.alloc(10));
  assert.equal((await extractFeatures(opts)).shardsWritten, 1);
  await openFeatureCache(out);
});

test('mismatches and unfinished caches are refused with clear errors', async () => {
  const ds = await resolveFeatureDataset(csv);
  const out = join(root, 'cache3');
  await extractFeatures({ backbone, items: ds.items, outDir: out, shardSize: 5 });
  const other = await createBackbone('faceapi-expression', { layer: 'dense2' });
  try {
    await assert.rejects(
      extractFeatures({ backbone: other, items: ds.items, outDir: out, shardSize: 5 }),
      {
        code: 'E_CACHE_MISMATCH',
      },
    );
    await assert.rejects(openFeatureCache(out, { backbone: other.ref() }), {
      code: 'E_CACHE_MISMATCH',
    });
    await assert.rejects(
      openFeatureCache(out, { preprocess: other.preprocess }).then(() =>
        openFeatureCache(out, {
          preprocess: { ...backbone.preprocess, colour: 'grey' },
        }),
      ),
      { code: 'E_CACHE_MISMATCH' },
    );
  } finally {
    other.dispose();
  }
  await assert.rejects(
    extractFeatures({ backbone, items: ds.items.slice(1), outDir: out, shardSize: 5 }),
    {
      code: 'E_CACHE_MISMATCH',
    },
  );
  // Errors name the option keys (the CLI shows its flags for them).
  await assert.rejects(extractFeatures({ backbone, items: ds.items, outDir: out, shardSize: 4 }), {
    code: 'E_CACHE_MISMATCH',
    option: 'outDir',
    fix: 'write to a new `outDir` folder, or delete this one to start again',
  });
  await assert.rejects(extractFeatures({ backbone, items: ds.items, outDir: out, shardSize: 0 }), {
    code: 'E_BAD_OPTION',
    option: 'shardSize',
    message: '`shardSize` must be a whole number ≥ 1, got 0',
  });
  await unlink(join(out, 'shard-00001.json'));
  await assert.rejects(openFeatureCache(out), { code: 'E_CACHE_INCOMPLETE' });
  const partial = await openFeatureCache(out, { allowIncomplete: true });
  assert.equal(partial.keys.length, 4); // shard 0: five images, broken.jpg skipped
  await assert.rejects(openFeatureCache(join(root, 'none')), { code: 'E_FILE_NOT_FOUND' });
  await writeFile(join(out, CACHE_MANIFEST), '{"format":"other"}');
  await assert.rejects(openFeatureCache(out), { code: 'E_MODEL_FORMAT' });
});

test('a triplet dataset folder yields every image its splits use, keyed as the triplets key them', async () => {
  const { loadLabelsCsv } = await import('../data/labels-csv.js');
  const { writeLabelTriplets } = await import('../data/label-triplets.js');
  const { loadTripletSplit } = await import('../data/dataset-manifest.js');
  const labels = await loadLabelsCsv(csv);
  const tripDir = join(root, 'triplets');
  await writeLabelTriplets(labels, { outDir: tripDir, counts: { train: 6, val: 0, test: 0 } });
  const ds = await resolveFeatureDataset(tripDir);
  assert.equal(ds.kind, 'triplets');
  const split = await loadTripletSplit(tripDir, 'train');
  const used = new Set(split.rows.flatMap((r) => [r.a, r.p, r.n]));
  assert.deepEqual(new Set(ds.items.map((i) => i.key)), used);
  const out = join(root, 'cache-triplets');
  await extractFeatures({ backbone, items: ds.items, sources: ds.sources, outDir: out });
  const cache = await openFeatureCache(out);
  for (const r of split.rows) assert.ok(cache.has(cache.keyFor(r.source, r.a)));
});

test('an old cache (a version-1 record, before align and mask) is still accepted and resumed', async () => {
  const ds = await resolveFeatureDataset(csv);
  const out = join(root, 'cache-v1');
  const opts = { backbone, items: ds.items, sources: ds.sources, outDir: out, shardSize: 4 };
  await extractFeatures(opts);
  // What exprsim wrote before: the same record without align / mask.
  const path = join(out, CACHE_MANIFEST);
  const m = JSON.parse(await readFile(path, 'utf8'));
  const { align, mask, ...v1 } = m.preprocess;
  assert.deepEqual([align, mask], ['none', 'none']);
  await writeFile(path, JSON.stringify({ ...m, preprocess: v1 }));
  const cache = await openFeatureCache(out, {
    backbone: backbone.ref(),
    preprocess: backbone.preprocess,
  });
  assert.deepEqual(cache.preprocess, backbone.preprocess);
  assert.equal(cache.keys.length, 8);
  const again = await extractFeatures(opts);
  assert.equal(again.shardsWritten, 0);
  assert.equal(again.shardsReused, 3);
  // The v1 record as the expected one works too, and a masked one does not match.
  await openFeatureCache(out, { preprocess: v1 });
  await assert.rejects(
    openFeatureCache(out, { preprocess: { ...backbone.preprocess, mask: 'ellipse' } }),
    { code: 'E_CACHE_MISMATCH' },
  );
  await assert.rejects(
    extractFeatures({ ...opts, preprocess: { ...backbone.preprocess, mask: 'box' } }),
    { code: 'E_CACHE_MISMATCH' },
  );
});

test('detector crops: the record’s detector finds the face, aligned and masked; no face is skipped', async () => {
  const ds = await resolveFeatureDataset(csv);
  const items = ds.items.filter((i) => !i.key.includes('broken'));
  const pre = resolvePreprocessConfig(
    { detector: 'mtcnn', align: 'five-point', mask: 'ellipse', margin: 0.1 },
    backbone.preprocess,
  );
  const landmarks = {
    leftEye: { x: 14, y: 18 },
    rightEye: { x: 32, y: 19 },
    nose: { x: 23, y: 27 },
    mouthLeft: { x: 16, y: 36 },
    mouthRight: { x: 30, y: 36 },
  };
  const found = { box: { x: 6, y: 6, width: 36, height: 36 }, score: 0.99, landmarks };
  // A stand-in for MTCNN: one face in each 48x48 image, none in the 64x80 colour.jpg.
  const detector = {
    name: 'mtcnn',
    detectFaces: async (img: { width: number }) => (img.width === 48 ? [found] : []),
  };
  const out = join(root, 'cache-detector');
  const r = await extractFeatures({ backbone, items, outDir: out, preprocess: pre, detector });
  assert.equal(r.stored, 7);
  assert.equal(r.skipped.count, 1);
  assert.match(r.skipped.first[0].reason, /no face found/);
  assert.match(r.skipped.first[0].key, /colour\.jpg$/); // 64x80: the stand-in finds nothing
  assert.deepEqual(r.manifest.preprocess, pre);
  assert.deepEqual(r.manifest.detector, { name: 'mtcnn' });
  const cache = await openFeatureCache(out, { preprocess: pre });
  const item = items.find((i) => i.key.endsWith('face0.png'));
  assert.ok(item);
  const img = await readImage(item.path, { channels: 3 });
  const face = await prepareFace(img, pre, found);
  assert.equal(face.data[0], 0, 'masked corner');
  const direct = await extractBatch(backbone, [face]);
  assertClose(cache.get(item.key), float16ToFloat32(float32ToFloat16(direct)), FLOAT16_CLOSE);

  const base = { backbone, items, outDir: join(root, 'cache-detector-bad') };
  await assert.rejects(extractFeatures({ ...base, preprocess: pre }), { code: 'E_BAD_OPTION' });
  await assert.rejects(
    extractFeatures({ ...base, preprocess: pre, detector: { ...detector, name: 'blazeface' } }),
    { code: 'E_BAD_OPTION' },
  );
  await assert.rejects(extractFeatures({ ...base, detector }), { code: 'E_BAD_OPTION' });
  await assert.rejects(
    extractFeatures({ ...base, preprocess: { ...backbone.preprocess, size: [96, 96] } }),
    { code: 'E_BAD_OPTION' },
  );
});

test('detector crops with pad and noFace whole-image: framed detection, every image kept, detection rate recorded', async () => {
  const ds = await resolveFeatureDataset(csv);
  const items = ds.items.filter((i) => !i.key.includes('broken'));
  const pre = resolvePreprocessConfig(
    { detector: 'mtcnn', pad: 0.25, noFace: 'whole-image', mask: 'ellipse' },
    backbone.preprocess,
  );
  assert.deepEqual(pre.crop, {
    kind: 'detector',
    detector: 'mtcnn',
    margin: 0.2,
    square: true,
    pad: 0.25,
    noFace: 'whole-image',
  });
  // A stand-in for MTCNN that finds the face only in a framed 48x48 image (48 + 2 x 12 = 72 px),
  // as real detectors miss faces that fill tight crops; nothing in the 64x80 colour.jpg.
  const found = { box: { x: 18, y: 18, width: 36, height: 36 }, score: 0.99 };
  const seen: number[] = [];
  const detector = {
    name: 'mtcnn',
    detectFaces: async (img: { width: number }) => {
      seen.push(img.width);
      return img.width === 72 ? [found] : [];
    },
  };
  const out = join(root, 'cache-detector-framed');
  const r = await extractFeatures({ backbone, items, outDir: out, preprocess: pre, detector });
  assert.equal(r.stored, items.length, 'no image is skipped');
  assert.equal(r.skipped.count, 0);
  assert.ok(seen.includes(72) && seen.includes(64 + 2 * 16), 'detectors see framed images');
  assert.deepEqual(r.manifest.detection, {
    images: items.length,
    found: items.length - 1,
    undetected: 1,
    rate: (items.length - 1) / items.length,
  });
  const manifest = JSON.parse(await readFile(join(out, CACHE_MANIFEST), 'utf8'));
  assert.deepEqual(manifest.detection, r.manifest.detection);

  const cache = await openFeatureCache(out, { preprocess: pre });
  const expectFeatures = async (face: import('../image/types.js').RawImage, key: string) => {
    const direct = await extractBatch(backbone, [face]);
    assertClose(cache.get(key), float16ToFloat32(float32ToFloat16(direct)), FLOAT16_CLOSE, key);
  };
  // Found: cropped from the framed image.
  const faceItem = items.find((i) => i.key.endsWith('face0.png'));
  assert.ok(faceItem);
  const img = await readImage(faceItem.path, { channels: 3 });
  await expectFeatures(await prepareFace(padImage(img, 12), pre, found), faceItem.key);
  // Not found: the unframed image used whole, as a whole-image record would (masked ellipse).
  const colourItem = items.find((i) => i.key.endsWith('colour.jpg'));
  assert.ok(colourItem);
  const colour = await readImage(colourItem.path, { channels: 3 });
  const whole = { ...pre, crop: { kind: 'whole-image' as const }, align: 'none' as const };
  const wholeFace = await prepareFace(colour, whole);
  assert.equal(wholeFace.data[0], 0, 'masked corner');
  await expectFeatures(wholeFace, colourItem.key);
});

test('mirror: a cache of the mirrored faces, recorded, refused as a resume of an unmirrored one, and paired by the feature input source', async () => {
  const ds = await resolveFeatureDataset(csv);
  const items = ds.items.filter((i) => !i.key.endsWith('broken.jpg')).slice(0, 4);
  const plain = join(root, 'mirror-plain');
  const mirrored = join(root, 'mirror-view');
  const opts = { backbone, items, sources: ds.sources, shardSize: 4 };
  await extractFeatures({ ...opts, outDir: plain });
  const r = await extractFeatures({ ...opts, outDir: mirrored, mirror: true });
  assert.equal(r.manifest.mirror, true);
  const m = await openFeatureCache(mirrored);
  const key = items[1].key;
  const face = await prepareFace(await readImage(join(dataDir, key)), backbone.preprocess);
  const direct = await extractBatch(backbone, [mirrorImage(face)]);
  assertClose(m.get(key), float16ToFloat32(float32ToFloat16(direct)), FLOAT16_CLOSE);
  const own = (await openFeatureCache(plain)).get(key);
  assert.ok(
    own.some((v, i) => Math.abs(v - m.get(key)[i]) > 1e-3),
    'the views differ',
  );
  await assert.rejects(extractFeatures({ ...opts, outDir: plain, mirror: true }), {
    code: 'E_CACHE_MISMATCH',
    message: /not mirrored/,
  });

  const { openFeatureInputSource } = await import('../embed/feature-source.js');
  const src = await openFeatureInputSource({ kind: 'features', cache: plain, mirror: mirrored });
  const before = tf.memory().numTensors;
  const keys = [items[0].key, key];
  const x = await src.loadMirrored!(keys, [false, true]);
  const v = await x.data();
  x.dispose();
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(v.slice(0, 12544), (await openFeatureCache(plain)).get(items[0].key));
  assert.deepEqual(v.slice(12544), m.get(key));
  src.dispose();
  // The views swapped, or a view of other images, are refused.
  await assert.rejects(
    openFeatureInputSource({ kind: 'features', cache: mirrored, mirror: plain }),
    { code: 'E_CACHE_MISMATCH', message: /not made with `--mirror` \(`mirror`\)/ },
  );
  const other = join(root, 'mirror-other');
  await extractFeatures({ ...opts, items: items.slice(0, 3), outDir: other, mirror: true });
  await assert.rejects(openFeatureInputSource({ kind: 'features', cache: plain, mirror: other }), {
    code: 'E_CACHE_MISMATCH',
    message: /different image list/,
  });
});
