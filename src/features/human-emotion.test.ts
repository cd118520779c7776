import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isError } from '../../test/fixtures/images/helpers.js';
import { sharedDataOrSkip } from '../../test/helpers.js';
import { initEngine } from '../engine/backend.js';
import { fileIO } from '../engine/file-io.js';
import { readImage } from '../image/read.js';
import type { RawImage } from '../image/types.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import { CLASSIFIER_NAMES, createClassifier } from './classifiers.js';
import {
  HUMAN_EMOTION_LABELS,
  HUMAN_EMOTION_MODEL_LABELS,
  HUMAN_GREY_WEIGHTS,
  HumanEmotionClassifier,
  humanEmotionInput,
} from './human-emotion.js';

await initEngine();

const SHIPPED = join(PACKAGE_ROOT, 'models/human-emotion');
const classifier = await HumanEmotionClassifier.create();
test.after(() => classifier.dispose());

/** Human's value for grey level v (0..255) read as R = G = B: (0.9999 v / 255 − 0.5) × 2. */
const expected = (v: number) =>
  ((HUMAN_GREY_WEIGHTS.reduce((a, b) => a + b, 0) * v) / 255 - 0.5) * 2;

/** A deterministic face-sized test pattern, RGB 0..255. */
function pattern(h: number, w: number, seed: number): RawImage {
  const data = new Uint8Array(h * w * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 101 + ((i * i) % 97)) % 256;
  return { data, width: w, height: h, channels: 3 };
}

const rowSums = async (p: tf.Tensor2D) => {
  const v = Array.from(await p.data());
  const n = p.shape[1];
  return Array.from({ length: p.shape[0] }, (_, r) =>
    v.slice(r * n, (r + 1) * n).reduce((a, b) => a + b, 0),
  );
};

test('the shipped model loads from disk and its version is the sha256 of emotion.bin', () => {
  const bin = readFileSync(join(SHIPPED, 'emotion.bin'));
  assert.equal(bin.length, 820_516);
  const sha = createHash('sha256').update(bin).digest('hex');
  assert.equal(classifier.weightsSha256, sha);
  assert.equal(classifier.version, sha.slice(0, 16));
  assert.deepEqual(classifier.ref(), { name: 'human-emotion', version: sha.slice(0, 16) });
  assert.equal(classifier.path, join(SHIPPED, 'emotion.json'));
  // The README's provenance lists the same file hashes.
  const readme = readFileSync(join(SHIPPED, 'README.md'), 'utf8');
  assert.ok(readme.includes(sha), 'README lists emotion.bin’s sha256');
  const json = createHash('sha256')
    .update(readFileSync(join(SHIPPED, 'emotion.json')))
    .digest('hex');
  assert.ok(readme.includes(json), 'README lists emotion.json’s sha256');
});

test('preprocessing: a constant grey face maps to exactly Human’s input value', async () => {
  // Hand-computed (0.9999 v / 255 − 0.5) × 2: the weights sum to 0.9999, so white is 0.9998.
  const HAND: [number, number][] = [
    [0, -1],
    [128, 0.0038211765],
    [255, 0.9998],
  ];
  for (const [v, want] of HAND) {
    assert.ok(Math.abs(expected(v) - want) < 1e-9);
    const rgb = tf.fill([1, 48, 48, 3], v) as tf.Tensor4D;
    const grey = tf.fill([2, 10, 7, 1], v) as tf.Tensor4D;
    for (const px of [rgb, grey]) {
      const x = humanEmotionInput(px);
      assert.deepEqual(x.shape, [px.shape[0], 64, 64, 1]);
      for (const got of await x.data()) assert.ok(Math.abs(got - want) < 1e-6, `${v}: ${got}`);
      x.dispose();
    }
    tf.dispose([rgb, grey]);
  }
});

test('preprocessing: RGB → grey with 0.2989, 0.5870, 0.1140, and Human’s bilinear resize', async () => {
  const rgb = tf.tensor4d([200, 100, 50], [1, 1, 1, 3]);
  const x = humanEmotionInput(rgb);
  const want = ((0.2989 * 200 + 0.587 * 100 + 0.114 * 50) / 255 - 0.5) * 2;
  for (const got of await x.data()) assert.ok(Math.abs(got - want) < 1e-6);
  // A 1x2 image [0, 255] resized to 64 wide, corners not aligned, no half-pixel centres
  // (tf.image.resizeBilinear(x, size, false), as Human calls it): output column j samples input
  // column j × 2 / 64, so column 0 is the black pixel, column 16 the midpoint, 32.. the white one.
  const bar = tf.tensor4d([0, 255], [1, 1, 2, 1]);
  const y = humanEmotionInput(bar);
  const row = (await y.data()).slice(0, 64);
  assert.ok(Math.abs(row[0] - expected(0)) < 1e-6);
  assert.ok(Math.abs(row[16] - expected(127.5)) < 1e-6);
  assert.ok(Math.abs(row[8] - expected(63.75)) < 1e-6);
  for (const j of [32, 40, 63]) assert.ok(Math.abs(row[j] - expected(255)) < 1e-6);
  tf.dispose([rgb, x, bar, y]);
  assert.throws(
    () => humanEmotionInput(tf.zeros([1, 4, 4, 2]) as tf.Tensor4D),
    isError('E_BAD_OPTION'),
  );
});

test('output: [n, 7] probabilities in exprsim’s label order, rows summing to 1', async () => {
  assert.deepEqual(
    [...HUMAN_EMOTION_LABELS],
    ['angry', 'disgust', 'fear', 'happy', 'neutral', 'sad', 'surprise'],
  );
  assert.deepEqual([...classifier.labels], [...HUMAN_EMOTION_LABELS]);
  const imgs = [pattern(48, 48, 1), pattern(48, 48, 2), pattern(48, 48, 3)];
  const x = tf.tensor4d(
    Float32Array.from(imgs.flatMap((im) => [...im.data])),
    [3, 48, 48, 3],
  ) as tf.Tensor4D;
  const p = classifier.predict(x);
  assert.deepEqual(p.shape, [3, 7]);
  for (const s of await rowSums(p)) assert.ok(Math.abs(s - 1) < 1e-5, `${s}`);
  const values = await p.data();
  assert.ok(values.every((v) => v >= 0 && v <= 1));

  // Columns are the network's own, reordered by name: compare with the graph run directly.
  const raw = await tf.loadGraphModel(fileIO(join(SHIPPED, 'emotion.json')));
  const direct = tf.tidy(() => raw.execute(humanEmotionInput(x)) as tf.Tensor2D);
  const d = await direct.data();
  for (let r = 0; r < 3; r++) {
    HUMAN_EMOTION_LABELS.forEach((label, c) => {
      const m = (HUMAN_EMOTION_MODEL_LABELS as readonly string[]).indexOf(label);
      assert.ok(Math.abs(values[r * 7 + c] - d[r * 7 + m]) < 1e-6, `${label}`);
    });
  }
  raw.dispose();

  // Images of any sizes give the same as the batched tensor for the same pixels.
  const q = classifier.predictImages([...imgs, pattern(90, 70, 4)]);
  assert.deepEqual(q.shape, [4, 7]);
  const qv = await q.data();
  for (let i = 0; i < 21; i++) assert.ok(Math.abs(qv[i] - values[i]) < 1e-5);
  for (const s of await rowSums(q)) assert.ok(Math.abs(s - 1) < 1e-5);
  const none = classifier.predictImages([]);
  assert.deepEqual(none.shape, [0, 7]);
  tf.dispose([x, p, direct, q, none]);
});

test('no tensors leak: repeated calls, and create + dispose', async () => {
  const imgs = [pattern(48, 48, 5), pattern(64, 64, 6)];
  const x = tf.tensor4d(Float32Array.from(imgs[0].data), [1, 48, 48, 3]) as tf.Tensor4D;
  const counts: number[] = [];
  for (let i = 0; i < 4; i++) {
    const p = classifier.predict(x);
    const q = classifier.predictImages(imgs);
    await p.data();
    tf.dispose([p, q]);
    counts.push(tf.memory().numTensors);
  }
  assert.ok(
    counts.every((c) => c === counts[0]),
    `tensor count changes: ${counts.join(', ')}`,
  );
  x.dispose();
  const before = tf.memory().numTensors;
  const other = await HumanEmotionClassifier.create();
  other.dispose();
  other.dispose(); // twice is harmless
  assert.equal(tf.memory().numTensors, before, 'create + dispose frees every weight');
  assert.throws(
    () => other.predict(tf.zeros([1, 64, 64, 1]) as tf.Tensor4D),
    isError('E_BAD_OPTION'),
  );
});

test('missing or damaged weights give a typed error naming the file and the fix', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-human-emotion-'));
  try {
    const json = join(dir, 'human-emotion', 'emotion.json');
    await assert.rejects(HumanEmotionClassifier.create({ modelDir: dir }), (e) => {
      isError('E_FILE_NOT_FOUND', json)(e);
      const { fix, message } = e as { fix: string; message: string };
      assert.match(message, /Human's emotion model/);
      assert.match(fix, /EXPRSIM_MODEL_DIR/);
      assert.match(fix, /human-emotion\/emotion\.json and emotion\.bin/);
      return true;
    });
    await cp(SHIPPED, join(dir, 'human-emotion'), { recursive: true });
    const bin = join(dir, 'human-emotion', 'emotion.bin');
    const bytes = readFileSync(bin);
    await rm(bin);
    await assert.rejects(createClassifier('human-emotion', { modelDir: dir }), (e) =>
      isError('E_FILE_NOT_FOUND', bin)(e),
    );
    await writeFile(bin, bytes.subarray(0, bytes.length - 10));
    await assert.rejects(
      HumanEmotionClassifier.create({ modelDir: dir }),
      isError('E_MODEL_FORMAT'),
    );
    await writeFile(json, '{ not json');
    await assert.rejects(
      HumanEmotionClassifier.create({ modelDir: dir }),
      isError('E_MODEL_FORMAT', json),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await assert.rejects(createClassifier('human-emotions'), (e) => {
    isError('E_UNKNOWN_NAME')(e);
    for (const n of CLASSIFIER_NAMES)
      assert.match(String((e as { fix: string }).fix), new RegExp(n));
    return true;
  });
});

const { path: fer, skip } = sharedDataOrSkip('fer2013/labels.csv', 'Human emotion on FER2013');

test('FER2013 PrivateTest: 200 faces are classified well above chance', { skip }, async () => {
  const root = join(fer, '..');
  // labels.csv lists PrivateTest sorted by label: take every k-th row for a spread of labels.
  const rows = readFileSync(fer, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','))
    .filter((r) => r[2] === 'PrivateTest');
  const step = Math.floor(rows.length / 200);
  const pick = rows.filter((_, i) => i % step === 0).slice(0, 200);
  const imgs = await Promise.all(pick.map((r) => readImage(join(root, r[0]), { channels: 3 })));
  const p = classifier.predictImages(imgs);
  const am = p.argMax(1);
  const best = (await am.data()) as Int32Array;
  tf.dispose([p, am]);
  const correct = pick.filter((r, i) => HUMAN_EMOTION_LABELS[best[i]] === r[1]).length;
  const acc = correct / pick.length;
  const labels = new Set(pick.map((r) => r[1]));
  console.log(
    `# human-emotion on ${pick.length} FER2013 PrivateTest faces: ${(100 * acc).toFixed(1)}%`,
  );
  assert.equal(labels.size, 7);
  assert.ok(acc > 0.35, `accuracy ${acc} (chance 1/7, majority class about 0.25)`);
});
