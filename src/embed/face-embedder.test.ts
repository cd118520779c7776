import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { preprocessFace, resolvePreprocessConfig } from '../align/preprocess.js';
import { initEngine } from '../engine/backend.js';
import { resizeImage } from '../image/transform.js';
import { readImage } from '../image/read.js';
import type { RawImage } from '../image/types.js';
import { setLogSink } from '../core/logger.js';
import { saveModel } from '../models/artifact.js';
import type { JsonObject } from '../core/types.js';
import { createHead } from '../models/heads/registry.js';
import { createEmbedder, embedFaces } from './face-embedder.js';
import { embedFiles } from './embed-files.js';
import { npyRowsPath, writeEmbeddings } from './embed-output.js';
import { decodeNpyFloat32 } from '../features/npy.js';
import { prepareFace } from '../features/preprocess.js';
import { createBackbone } from '../features/registry.js';
import { assertClose } from '../../test/fixtures/close.js';

await initEngine();

const root = await mkdtemp(join(tmpdir(), 'exprsim-embed-'));
test.after(() => rm(root, { recursive: true, force: true }));

const backbone = await createBackbone('faceapi-expression');
test.after(() => backbone.dispose());

/** An untrained head on the expression backbone's maps, saved as a model folder. */
async function saveHead(dir: string, ref = backbone.ref()): Promise<void> {
  const model = createHead('densenet', {
    preset: 'shallow',
    inputShape: backbone.featureShape,
    seed: 3,
  });
  await saveModel(model, dir, {
    backbone: ref,
    preprocess: backbone.preprocess as unknown as JsonObject,
  });
  model.dispose();
}

function face(seed: number, w = 48, h = 48, channels: 1 | 3 = 1): RawImage {
  const data = new Uint8Array(w * h * channels);
  for (let i = 0; i < data.length; i++) data[i] = (128 + 120 * Math.sin(i / (7 + seed) + seed)) | 0;
  return { data, width: w, height: h, channels };
}

const modelDir = join(root, 'model');
await saveHead(modelDir);
const embedder = await createEmbedder(modelDir);
test.after(() => embedder.dispose());

test('embedFaces gives unit vectors equal to backbone → head by hand, any batch size', async () => {
  const faces = [face(1), face(2, 60, 40, 3), face(3), face(4), face(5)];
  const vecs = await embedder.embedFaces(faces, { batchSize: 2 });
  assert.equal(vecs.length, 5);
  for (const v of vecs) {
    assert.equal(v.length, 16);
    const norm = Math.hypot(...v);
    assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
  }
  const again = await embedder.embedFaces(faces, { batchSize: 32 });
  for (let i = 0; i < 5; i++) {
    for (let k = 0; k < 16; k++) assert.ok(Math.abs(again[i][k] - vecs[i][k]) < 1e-5);
  }
  // By hand: prepare, backbone maps, head.
  const prepared = await prepareFace(faces[1], embedder.preprocess);
  const x = tf.tensor4d(Float32Array.from(prepared.data), [1, 112, 112, 3]);
  const y = tf.tidy(() => embedder.model.model.predict(backbone.features(x)) as tf.Tensor);
  const manual = await y.data();
  tf.dispose([x, y]);
  for (let k = 0; k < 16; k++) assert.ok(Math.abs(manual[k] - vecs[1][k]) < 1e-5);
  // The convenience form (model folder) gives the same.
  const viaDir = await embedFaces([faces[1]], modelDir);
  for (let k = 0; k < 16; k++) assert.ok(Math.abs(viaDir[0][k] - vecs[1][k]) < 1e-5);
});

test('embedFaces does not leak tensors', async () => {
  const faces = [face(1), face(2)];
  await embedder.embedFaces(faces);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await embedder.embedFaces(faces, { batchSize: 1 });
  assert.equal(tf.memory().numTensors, before);
});

test('a model made with other backbone weights is refused', async () => {
  const dir = join(root, 'other');
  await saveHead(dir, { name: 'faceapi-expression', version: '0123456789abcdef:dense3' });
  await assert.rejects(createEmbedder(dir), { code: 'E_BACKBONE_MISMATCH' });
  const before = tf.memory().numTensors;
  await assert.rejects(createEmbedder(dir));
  assert.equal(tf.memory().numTensors, before, 'nothing left behind by a failed load');
});

test('pixel heads embed resized, scaled crops; a missing preprocess record is warned about', async () => {
  const dir = join(root, 'pixels');
  const model = createHead('densenet', {
    preset: 'shallow',
    inputMode: 'pixels',
    inputShape: [24, 24, 1],
    stemStride: 2,
  });
  await saveModel(model, dir, { backbone: 'pixels' });
  model.dispose();
  const warnings: string[] = [];
  setLogSink((_l, m) => warnings.push(m));
  try {
    const e = await createEmbedder(dir);
    const vecs = await e.embedFaces([face(1, 48, 48, 3), face(2)]);
    assert.equal(vecs.length, 2);
    assert.ok(Math.abs(Math.hypot(...vecs[0]) - 1) < 1e-5);
    assert.equal(e.backbone, undefined);
    assert.deepEqual(e.preprocess.size, [24, 24]);
    assert.equal(e.preprocess.colour, 'grey');
    e.dispose();
  } finally {
    setLogSink(undefined);
  }
  assert.ok(warnings.some((w) => /no exprsim preprocessing record/.test(w)));
});

test('embedFiles skips and reports bad files; writeEmbeddings writes jsonl, csv and npy', async () => {
  const files: string[] = [];
  for (let i = 0; i < 3; i++) {
    const f = face(i + 1);
    const p = join(root, `f${i}.png`);
    await sharp(Buffer.from(f.data), { raw: { width: 48, height: 48, channels: 1 } })
      .png()
      .toFile(p);
    files.push(p);
  }
  const bad = join(root, 'bad.jpg');
  await writeFile(bad, 'not an image');
  files.splice(1, 0, bad, join(root, 'missing.png'));
  const r = await embedFiles(files, embedder, { batchSize: 2 });
  assert.equal(r.faces.length, 3);
  assert.deepEqual(
    r.failed.map((f) => f.file),
    [bad, join(root, 'missing.png')],
  );
  assert.deepEqual(
    r.faces.map((f) => f.file),
    [files[0], files[3], files[4]],
  );
  const direct = await embedder.embedFaces([await readImage(files[3])]);
  assertClose(r.faces[1].embedding, direct[0]);

  const jsonl = join(root, 'out.jsonl');
  await writeEmbeddings(jsonl, r.faces, 16);
  const rows = (await readFile(jsonl, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(rows.length, 3);
  assert.equal(rows[0].file, files[0]);
  assert.equal(rows[0].embedding.length, 16);
  assert.ok(Math.abs(rows[0].embedding[0] - r.faces[0].embedding[0]) < 1e-7);

  const csvPath = join(root, 'out.csv');
  await writeEmbeddings(csvPath, r.faces, 16);
  const csv = (await readFile(csvPath, 'utf8')).trim().split('\n');
  assert.equal(csv.length, 4);
  assert.equal(
    csv[0],
    ['file,face,x,y,width,height,score', ...Array.from({ length: 16 }, (_, i) => `e${i}`)].join(
      ',',
    ),
  );
  assert.equal(csv[1].split(',').length, 7 + 16);

  const npy = join(root, 'out.npy');
  const written = await writeEmbeddings(npy, r.faces, 16);
  assert.deepEqual(written, [npy, npyRowsPath(npy)]);
  const arr = decodeNpyFloat32(await readFile(npy));
  assert.deepEqual(arr.shape, [3, 16]);
  assert.deepEqual(arr.data.slice(16, 32), r.faces[1].embedding);
  assert.equal((await readFile(npyRowsPath(npy), 'utf8')).trim().split('\n').length, 4);
  await assert.rejects(writeEmbeddings(join(root, 'out.txt'), r.faces, 16), {
    code: 'E_BAD_OPTION',
  });
});

test('embedFiles with a detector crops each detected face (box grown by the margin)', async () => {
  const photo = join(root, 'photo.png');
  const img = face(7, 200, 120, 3);
  await sharp(Buffer.from(img.data), { raw: { width: 200, height: 120, channels: 3 } })
    .png()
    .toFile(photo);
  const boxes = [
    { box: { x: 20, y: 10, width: 60, height: 60 }, score: 0.9 },
    { box: { x: 120, y: 40, width: 40, height: 50 }, score: 0.8 },
  ];
  const detector = { name: 'fixed', detectFaces: async () => boxes };
  const r = await embedFiles([photo], embedder, { detector, margin: 0.1 });
  assert.equal(r.faces.length, 2);
  assert.deepEqual(r.faces[1].box, boxes[1].box);
  assert.equal(r.faces[1].face, 1);
  // Face 0 by hand: box grown by 0.1 on each side, square: 72x72 at (14, 4).
  const decoded = await readImage(photo);
  const { cropImage } = await import('../image/transform.js');
  const crop = cropImage(decoded, { left: 14, top: 4, width: 72, height: 72 });
  const [v] = await embedder.embedFaces([crop]);
  assertClose(r.faces[0].embedding, v);
  const none = await embedFiles([photo], embedder, {
    detector: { name: 'none', detectFaces: async () => [] },
  });
  assert.deepEqual(none.noFace, [photo]);
  const one = await embedFiles([photo], embedder, { detector, maxFaces: 1 });
  assert.equal(one.faces.length, 1);
});

test('an old model (version-1 record, no align / mask) embeds exactly as before', async () => {
  const dir = join(root, 'v1-model');
  const { align, mask, ...v1 } = backbone.preprocess;
  assert.deepEqual([align, mask], ['none', 'none']);
  const model = createHead('densenet', {
    preset: 'shallow',
    inputShape: backbone.featureShape,
    seed: 3,
  });
  await saveModel(model, dir, {
    backbone: backbone.ref(),
    preprocess: v1 as unknown as JsonObject,
  });
  model.dispose();
  const old = await createEmbedder(dir);
  try {
    assert.deepEqual(old.preprocess, backbone.preprocess);
    const f = face(9, 60, 40, 3);
    // The pixels: a plain lanczos3 resize, as prepareFace did before masks existed.
    const resized = await resizeImage(f, 112, 112, { kernel: 'lanczos3', fit: 'fill' });
    assert.deepEqual((await old.prepareFace(f)).data, resized.data);
    assert.deepEqual(await old.embedFaces([f]), await embedder.embedFaces([f]));
  } finally {
    old.dispose();
  }
});

test('a model trained on aligned, ellipse-masked detector crops embeds photos the same way', async () => {
  const rec = resolvePreprocessConfig(
    { detector: 'fixed', align: 'five-point', mask: 'ellipse' },
    backbone.preprocess,
  );
  const dir = join(root, 'aligned-model');
  const model = createHead('densenet', {
    preset: 'shallow',
    inputShape: backbone.featureShape,
    seed: 3,
  });
  await saveModel(model, dir, {
    backbone: backbone.ref(),
    preprocess: rec as unknown as JsonObject,
  });
  model.dispose();
  const aligned = await createEmbedder(dir);
  try {
    assert.deepEqual(aligned.preprocess, rec);
    const photo = join(root, 'aligned-photo.png');
    const img = face(11, 160, 120, 3);
    await sharp(Buffer.from(img.data), { raw: { width: 160, height: 120, channels: 3 } })
      .png()
      .toFile(photo);
    // A tilted face: eyes not level.
    const landmarks = {
      leftEye: { x: 60, y: 50 },
      rightEye: { x: 90, y: 42 },
      nose: { x: 77, y: 62 },
      mouthLeft: { x: 66, y: 80 },
      mouthRight: { x: 92, y: 73 },
    };
    const found = { box: { x: 45, y: 25, width: 60, height: 70 }, score: 0.9, landmarks };
    const detector = { name: 'fixed', detectFaces: async () => [found] };
    const r = await embedFiles([photo], aligned, { detector });
    assert.equal(r.faces.length, 1);

    const decoded = await readImage(photo);
    const by = await preprocessFace(decoded, found, rec);
    assert.equal(by.aligned, true);
    const px = (x: number, y: number) => by.image.data[(y * 112 + x) * 3];
    // The template square is 112 / 1.4 = 80 px, centred: the ellipse is the circle r = 40.
    for (const [x, y] of [
      [0, 0],
      [10, 56],
      [56, 10],
      [20, 20],
      [100, 100],
    ]) {
      assert.equal(px(x, y), 0, `(${x}, ${y}) outside the ellipse`);
    }
    assert.deepEqual(await aligned.prepareFace(decoded, found), by.image);
    const [manual] = await aligned.embedPrepared([by.image]);
    assert.deepEqual(r.faces[0].embedding, manual);
    assert.deepEqual(await aligned.embedDetectedFaces(decoded, [found]), [manual]);

    // The same weights with the plain record (box crop, no mask) give another embedding.
    const plain = await embedFiles([photo], embedder, { detector });
    assert.notDeepEqual(plain.faces[0].embedding, r.faces[0].embedding);
    const unaligned = await preprocessFace(decoded, { box: found.box }, rec);
    assert.equal(unaligned.aligned, false);
    assert.notDeepEqual(unaligned.image.data, by.image.data);
  } finally {
    aligned.dispose();
  }
});
