import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm, truncate, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fileIO, registerFileRouter } from './file-io.js';
import { ExprsimError } from '../core/errors.js';

let dir: string;
before(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'exprsim-fileio-'));
});
after(async () => rm(dir, { recursive: true, force: true }));

function smallModel(): tf.LayersModel {
  const m = tf.sequential();
  m.add(
    tf.layers.dense({
      inputShape: [4],
      units: 3,
      kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }),
    }),
  );
  return m;
}

test('save then load gives identical outputs, and no temp files remain', async () => {
  const m = smallModel();
  const target = join(dir, 'm1');
  await m.save(fileIO(target));
  const files = (await readdir(target)).sort();
  assert.deepEqual(files, ['model.json', 'weights.bin']);
  const loaded = await tf.loadLayersModel(fileIO(join(target, 'model.json')));
  const x = tf.tensor2d([[1, 2, 3, 4]]);
  assert.deepEqual(
    Array.from((loaded.predict(x) as tf.Tensor).dataSync()),
    Array.from((m.predict(x) as tf.Tensor).dataSync()),
  );
});

test('file:// URLs work after registerFileRouter', async () => {
  registerFileRouter();
  const m = smallModel();
  const url = pathToFileURL(join(dir, 'm2')).href;
  await m.save(url);
  const loaded = await tf.loadLayersModel(`${url}/model.json`);
  assert.equal(loaded.layers.length, 1);
});

test('missing model, bad JSON and truncated weights give clear errors', async () => {
  await assert.rejects(
    tf.loadLayersModel(fileIO(join(dir, 'nope'))),
    (e: unknown) =>
      e instanceof ExprsimError && e.code === 'E_FILE_NOT_FOUND' && e.toLine().includes('nope'),
  );
  const bad = join(dir, 'bad');
  await smallModel().save(fileIO(bad));
  await truncate(join(bad, 'weights.bin'), 8);
  await assert.rejects(
    tf.loadLayersModel(fileIO(bad)),
    (e: unknown) =>
      e instanceof ExprsimError && e.code === 'E_MODEL_FORMAT' && /truncated/.test(e.message),
  );
  const json = join(bad, 'model.json');
  await writeFile(json, (await readFile(json, 'utf8')).slice(0, 20));
  await assert.rejects(
    tf.loadLayersModel(fileIO(bad)),
    (e: unknown) =>
      e instanceof ExprsimError && e.code === 'E_MODEL_FORMAT' && /not valid JSON/.test(e.message),
  );
});
