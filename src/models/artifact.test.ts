import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFile,
  mkdtemp,
  readFile,
  rm,
  symlink,
  truncate,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../engine/backend.js';
import { fileIO } from '../engine/file-io.js';
import { ExprsimError } from '../core/errors.js';
import { packageVersion } from '../core/paths.js';
import { createHead } from './heads/registry.js';
import type { ResolvedSeDenseNetConfig } from './heads/se-densenet.js';
import {
  loadModel,
  readModelManifest,
  saveModel,
  MODEL_FORMAT_VERSION,
  type ModelManifestInput,
} from './artifact.js';

// Edited JSON in tests: any field, any depth.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

await initEngine();

const root = await mkdtemp(join(tmpdir(), 'exprsim-artifact-'));
test.after(() => rm(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `m${n++}`);

const SHAPE: [number, number, number] = [5, 5, 16];
const small = () =>
  createHead('se-densenet', { preset: 'shallow', inputShape: SHAPE, growth: 4, seed: 5 });
const backbone = { name: 'faceapi-recognition', version: '1.7.15' };
const input: ModelManifestInput = {
  backbone,
  preprocess: { detector: 'mtcnn', crop: { size: 160, margin: 0.2 } },
  training: { dataset: 'fec', steps: 10, seed: 1 },
  metrics: { tripletAccuracy: 0.81 },
  created: '2025-01-02T03:04:05.000Z',
};

const code = (c: string, re?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ExprsimError, String(e));
  assert.equal(e.code, c, e.message);
  if (re) assert.match(e.toLine(), re);
  return true;
};

/** Save a model, then rewrite its manifest with `edit`. */
async function savedWith(edit: (meta: Record<string, unknown>) => void): Promise<string> {
  const dir = freshDir();
  const model = small();
  await saveModel(model, dir, input);
  model.dispose();
  const path = join(dir, 'model.json');
  const json = JSON.parse(await readFile(path, 'utf8')) as {
    userDefinedMetadata: { exprsim: Record<string, unknown> };
  };
  edit(json.userDefinedMetadata.exprsim);
  await writeFile(path, JSON.stringify(json));
  return dir;
}

test('save → load: the manifest round-trips and embeddings are identical', async () => {
  const dir = freshDir();
  const model = small();
  const written = await saveModel(model, dir, input);
  assert.equal(written.format, 'exprsim-model');
  assert.equal(written.formatVersion, MODEL_FORMAT_VERSION);
  assert.equal(written.head.name, 'se-densenet');
  const config = written.head.config as ResolvedSeDenseNetConfig;
  assert.equal(config.growth, 4);
  assert.equal(config.layersPerBlock, 2);
  assert.equal(config.seReduction, 16);
  assert.deepEqual(written.backbone, backbone);
  assert.deepEqual(written.inputShape, SHAPE);
  assert.equal(written.embeddingSize, 16);
  assert.equal(written.created, input.created);
  assert.equal(written.exprsimVersion, packageVersion());

  // One model.json (manifest inside) and one weights file.
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as Loose;
  assert.deepEqual(json.userDefinedMetadata.exprsim, written);
  assert.deepEqual(json.weightsManifest[0].paths, ['weights.bin']);

  assert.deepEqual(await readModelManifest(dir), written);
  const { model: loaded, manifest } = await loadModel(dir);
  assert.deepEqual(manifest, written);
  const x = tf.randomNormal([4, ...SHAPE], 0, 1, 'float32', 1);
  const diff = tf.tidy(
    () =>
      tf
        .max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor)))
        .dataSync()[0],
  );
  assert.equal(diff, 0);
  // The loaded model knows its head: it saves again without naming it.
  const again = await saveModel(loaded, freshDir(), { backbone, preprocess: {} });
  assert.deepEqual(again.head, written.head);
  tf.dispose(x);
  model.dispose();
  loaded.dispose();
});

test('pixel heads save with backbone "pixels"; the backbone must match the input mode', async () => {
  const pix = createHead('densenet', {
    preset: 'shallow',
    inputMode: 'pixels',
    inputShape: [16, 16, 1],
    growth: 4,
  });
  const m = await saveModel(pix, freshDir(), { backbone: 'pixels' });
  assert.equal(m.backbone, 'pixels');
  assert.deepEqual(m.preprocess, {});
  await assert.rejects(
    saveModel(pix, freshDir(), { backbone }),
    code('E_BAD_OPTION', /reads pixels/),
  );
  pix.dispose();
  const feat = small();
  await assert.rejects(
    saveModel(feat, freshDir(), { backbone: 'pixels' }),
    code('E_BAD_OPTION', /feature maps/),
  );
  await assert.rejects(
    saveModel(feat, freshDir(), { backbone: { name: 'x', version: '' } }),
    code('E_BAD_OPTION', /backbone must be/),
  );
  feat.dispose();
});

test('saveModel checks the manifest against the model', async () => {
  const model = small();
  await assert.rejects(
    saveModel(model, freshDir(), { ...input, head: { name: 'densenet' } }),
    code('E_BAD_OPTION', /manifest.head is densenet but the model was built as se-densenet/),
  );
  await assert.rejects(
    saveModel(model, freshDir(), {
      ...input,
      head: { name: 'se-densenet', config: { inputShape: [7, 7, 16] } },
    }),
    code(
      'E_BAD_OPTION',
      /model input \[5, 5, 16\] does not match the manifest's inputShape \[7, 7, 16\]/,
    ),
  );
  await assert.rejects(
    saveModel(model, freshDir(), { ...input, metrics: { acc: NaN } }),
    code('E_BAD_OPTION', /metrics must be a plain JSON object/),
  );
  model.dispose();
  // A model createHead did not build needs its head named.
  const plain = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
  await assert.rejects(
    saveModel(plain, freshDir(), input),
    code('E_BAD_OPTION', /not built by createHead/),
  );
  await assert.rejects(
    saveModel(plain, freshDir(), { ...input, head: { name: 'vgg' } }),
    code('E_UNKNOWN_NAME', /unknown head "vgg"/),
  );
  plain.dispose();
});

test('loadModel: missing folder, model.json or weights → E_FILE_NOT_FOUND', async () => {
  await assert.rejects(
    loadModel(join(root, 'nope')),
    code('E_FILE_NOT_FOUND', /nope.*model.json not found/),
  );
  const dir = await savedWith(() => {});
  await unlink(join(dir, 'weights.bin'));
  await assert.rejects(loadModel(dir), code('E_FILE_NOT_FOUND', /weights.bin.*missing/));
});

test('loadModel: a plain tfjs model (no manifest) → E_MODEL_FORMAT', async () => {
  const dir = freshDir();
  const plain = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
  await plain.save(fileIO(dir));
  plain.dispose();
  await assert.rejects(loadModel(dir), code('E_MODEL_FORMAT', /not an exprsim model/));
  await writeFile(join(dir, 'model.json'), '{"modelTopology": ');
  await assert.rejects(loadModel(dir), code('E_MODEL_FORMAT', /not valid JSON/));
});

test('loadModel: wrong format version, unknown head, bad config, mismatched shapes', async () => {
  const cases: [string, (m: Loose) => void, string, RegExp][] = [
    [
      'newer',
      (m) => (m.formatVersion = MODEL_FORMAT_VERSION + 1),
      'E_MODEL_FORMAT',
      /format version 2 is newer.*upgrade exprsim/,
    ],
    ['older', (m) => (m.formatVersion = 0), 'E_MODEL_FORMAT', /formatVersion 0/],
    ['format', (m) => (m.format = 'keras'), 'E_MODEL_FORMAT', /format is "keras"/],
    [
      'head',
      (m) => (m.head.name = 'resnet-head'),
      'E_UNKNOWN_NAME',
      /unknown head "resnet-head".*fecnet, densenet/,
    ],
    [
      'config',
      (m) => (m.head.config.growth = -1),
      'E_MODEL_FORMAT',
      /invalid config for head se-densenet: .*growth/,
    ],
    ['unknown key', (m) => (m.head.config.frob = 1), 'E_MODEL_FORMAT', /unknown option frob/],
    [
      'manifest shape',
      (m) => (m.inputShape = [7, 7, 16]),
      'E_MODEL_FORMAT',
      /manifest inputShape \[7, 7, 16\] differs/,
    ],
    [
      'model shape',
      (m) => {
        m.inputShape = [7, 7, 16];
        m.head.config.inputShape = [7, 7, 16];
      },
      'E_MODEL_FORMAT',
      /model input \[5, 5, 16\] does not match the manifest's inputShape \[7, 7, 16\]/,
    ],
    ['embedding', (m) => (m.embeddingSize = 8), 'E_MODEL_FORMAT', /embeddingSize 8/],
    [
      'backbone',
      (m) => (m.backbone = 'pixels'),
      'E_MODEL_FORMAT',
      /backbone is 'pixels' but the head reads feature maps/,
    ],
    [
      'preprocess',
      (m) => delete m.preprocess,
      'E_MODEL_FORMAT',
      /preprocess must be a JSON object/,
    ],
    [
      'created',
      (m) => (m.created = 'yesterday'),
      'E_MODEL_FORMAT',
      /created must be an ISO 8601 date/,
    ],
  ];
  for (const [label, edit, c, re] of cases) {
    const dir = await savedWith(edit);
    await assert.rejects(loadModel(dir), code(c, re), label);
  }
});

test('loadModel: NaN or infinite weights, or a non-finite probe output → E_MODEL_FORMAT naming the folder', async () => {
  const nan = await savedWith(() => {});
  const bytes = (await readFile(join(nan, 'weights.bin'))).byteLength;
  await writeFile(
    join(nan, 'weights.bin'),
    new Uint8Array(new Float32Array(bytes / 4).fill(NaN).buffer),
  );
  await assert.rejects(
    loadModel(nan),
    code('E_MODEL_FORMAT', new RegExp(`^${nan}: the model's weight \\S+ holds NaN.*retrain`)),
  );

  // One infinity at the end of the last weight tensor.
  const inf = await savedWith(() => {});
  const w = await readFile(join(inf, 'weights.bin'));
  w.writeFloatLE(Infinity, w.byteLength - 4);
  await writeFile(join(inf, 'weights.bin'), w);
  await assert.rejects(loadModel(inf), code('E_MODEL_FORMAT', /holds Infinity/));

  // Finite weights, a NaN output: a last layer so large that its sums overflow to infinity
  // (and the normalisation divides infinity by infinity). The probe catches what no weight shows.
  const dir = freshDir();
  const model = small();
  const values = model.getWeights();
  for (const name of ['embedding_fc/kernel', 'embedding_fc/bias']) {
    const i = model.weights.findIndex((v) => v.originalName === name);
    assert.ok(i >= 0, `the test head has ${name}`);
    values[i] = tf.fill(values[i].shape, 3e38);
  }
  model.setWeights(values);
  await saveModel(model, dir, input);
  model.dispose();
  await assert.rejects(
    loadModel(dir),
    code('E_MODEL_FORMAT', /outputs NaN on a probe input.*restore weights\.bin/),
  );
});

test('loadModel: weight paths outside the model folder and weights of the wrong size are refused', async () => {
  const secret = join(root, 'secret.bin');
  await writeFile(secret, new Uint8Array(1 << 20));
  const withPath = async (p: string) => {
    const dir = await savedWith(() => {});
    const path = join(dir, 'model.json');
    const json = JSON.parse(await readFile(path, 'utf8')) as Loose;
    json.weightsManifest[0].paths = [p];
    await writeFile(path, JSON.stringify(json));
    return dir;
  };
  for (const p of ['../secret.bin', secret, 'sub/../../secret.bin']) {
    await assert.rejects(
      loadModel(await withPath(p)),
      code('E_MODEL_FORMAT', /secret\.bin: a weight file listed in model\.json is outside/),
    );
  }
  // A symlink inside the folder that points out of it.
  const linked = await withPath('link.bin');
  await symlink(secret, join(linked, 'link.bin'));
  await assert.rejects(loadModel(linked), code('E_MODEL_FORMAT', /link\.bin: .*outside/));

  const long = await savedWith(() => {});
  const size = (await readFile(join(long, 'weights.bin'))).byteLength;
  await appendFile(join(long, 'weights.bin'), 'trailing');
  await assert.rejects(
    loadModel(long),
    code(
      'E_MODEL_FORMAT',
      new RegExp(`too long: weights.bin holds ${size + 8} bytes, model.json needs ${size}`),
    ),
  );
  const short = await savedWith(() => {});
  await truncate(join(short, 'weights.bin'), size - 4);
  await assert.rejects(
    loadModel(short),
    code(
      'E_MODEL_FORMAT',
      new RegExp(`truncated: weights.bin holds ${size - 4} bytes, model.json needs ${size}`),
    ),
  );
});
