import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../engine/backend.js';
import { saveModel } from '../models/artifact.js';
import { createHead } from '../models/heads/registry.js';
import { initHeadTail } from './head-tail.js';
import { initWeightsFrom, type InitExpectation } from './init-weights.js';

await initEngine();
const root = await mkdtemp(join(tmpdir(), 'exprsim-init-'));
test.after(() => rm(root, { recursive: true, force: true }));

const HASH = '9a9840f2cf1f4c7e';
const HEAD = { preset: 'paper', stemChannels: 16, layers: 2, growth: 8, hiddenUnits: 16, seed: 3 };
const dense3 = { name: 'faceapi-expression', version: `${HASH}:dense3` };
const dense2 = { name: 'faceapi-expression', version: `${HASH}:dense2` };

/** A small FECNet head trained (here: randomly initialised) on dense3 maps, saved. */
async function savedDense3Model(dir: string, config: Record<string, unknown> = HEAD) {
  const head = createHead('fecnet', { ...config, inputShape: [7, 7, 256] });
  await saveModel(head, dir, { backbone: dense3, preprocess: {} });
  return head;
}

const tailed = async (config: Record<string, unknown> = HEAD) => {
  const model = createHead('fecnet', { ...config, tail: 'faceapi-expression-dense3' });
  await initHeadTail(model, 'faceapi-expression-dense3');
  return model;
};

const expectTail = (backbone = dense2): InitExpectation => ({
  head: 'fecnet',
  tail: 'faceapi-expression-dense3',
  inputShape: [14, 14, 128],
  backbone,
});

test('a tailed head starts from the same head trained without the tail: tail(x) then the model', async () => {
  const dir = join(root, 'plain');
  const plain = await savedDense3Model(dir);
  const model = await tailed();
  const before = tf.memory().numTensors;
  const sha = await initWeightsFrom(model, dir, expectTail());
  assert.equal(tf.memory().numTensors, before);
  assert.match(sha, /^[0-9a-f]{64}$/);

  // The tail keeps the backbone's dense3 weights; the layers after it are the model's, so the
  // tailed head on a dense2 map equals the model on the tail's dense3 map.
  const tailOnly = tf.model({ inputs: model.inputs, outputs: model.getLayer('tail_out').output });
  const x = tf.randomUniform([2, 14, 14, 128], 0, 2, 'float32', 7);
  const [got, want] = tf.tidy(() => {
    const y = tailOnly.predict(x) as tf.Tensor;
    return [model.predict(x) as tf.Tensor, plain.predict(y) as tf.Tensor];
  });
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]);
  assert.ok(diff < 1e-4, `max |tailed - model| = ${diff}`);
  // …and differs from a tailed head that kept its own random initialisation.
  const fresh = await tailed({ ...HEAD, seed: 4 });
  const other = fresh.predict(x) as tf.Tensor;
  const apart = tf.tidy(() => tf.max(tf.abs(tf.sub(other, want))).dataSync()[0]);
  assert.ok(apart > 1e-2, `a fresh head is ${apart} from the model`);
  tf.dispose([x, got, want, other]);
  [plain, model, fresh].forEach((m) => m.dispose());
});

test('a tailed run refuses a model it cannot continue, naming why', async () => {
  const dir = join(root, 'refuse');
  (await savedDense3Model(dir)).dispose();
  const model = await tailed();
  const refuses = (expect: InitExpectation, re: RegExp) =>
    assert.rejects(
      initWeightsFrom(model, dir, expect),
      (e: Error & { code?: string }) => e.code === 'E_BAD_OPTION' && re.test(e.message),
    );
  // The run's dense2 maps come from other backbone weights than the model's dense3 maps.
  await refuses(
    expectTail({ name: 'faceapi-expression', version: '0000000000000000:dense2' }),
    /tail on this model reads faceapi-expression@9a9840f2cf1f4c7e:dense2/,
  );
  model.dispose();

  // The same head name with other layer sizes: the layer that differs is named.
  const wider = await tailed({ ...HEAD, stemChannels: 24 });
  await assert.rejects(initWeightsFrom(wider, dir, expectTail()), /layer stem_conv holds/);
  wider.dispose();

  // A model on dense2 maps (no tail) cannot gain one: the tail would feed it dense3 maps.
  const d2dir = join(root, 'on-dense2');
  const onD2 = createHead('fecnet', { ...HEAD, inputShape: [14, 14, 128] });
  await saveModel(onD2, d2dir, { backbone: dense2, preprocess: {} });
  onD2.dispose();
  const again = await tailed();
  await assert.rejects(
    initWeightsFrom(again, d2dir, expectTail()),
    /a faceapi-expression-dense3 tail continues faceapi-expression dense3 maps/,
  );
  // A tailed model does not lose its tail.
  const untailed = createHead('fecnet', { ...HEAD, inputShape: [7, 7, 256] });
  const tailedDir = join(root, 'tailed');
  await saveModel(again, tailedDir, { backbone: dense2, preprocess: {} });
  await assert.rejects(
    initWeightsFrom(untailed, tailedDir, {
      head: 'fecnet',
      tail: 'none',
      inputShape: [7, 7, 256],
      backbone: dense3,
    }),
    /has tail faceapi-expression-dense3; this run's has none/,
  );
  again.dispose();
  untailed.dispose();
});
