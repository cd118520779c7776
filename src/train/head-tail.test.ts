import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../engine/backend.js';
import { createBackbone } from '../features/registry.js';
import { createHead } from '../models/heads/registry.js';
import { initHeadTail } from './head-tail.js';

await initEngine();

test('a head with the dense3 tail, initialised from the backbone, reproduces its dense3 map', async () => {
  const d2 = await createBackbone('faceapi-expression', { layer: 'dense2' });
  const d3 = await createBackbone('faceapi-expression', { layer: 'dense3' });
  const head = createHead('se-densenet', { preset: 'shallow', tail: 'faceapi-expression-dense3' });
  assert.deepEqual(head.inputs[0].shape.slice(1), [14, 14, 128]);
  await initHeadTail(head, 'faceapi-expression-dense3');
  const tailModel = tf.model({ inputs: head.inputs, outputs: head.getLayer('tail_out').output });
  const before = tf.memory().numTensors;
  const err = tf.tidy(() => {
    const pixels = tf.randomUniform([2, 112, 112, 3], 0, 255, 'float32', 7) as tf.Tensor4D;
    const want = d3.features(pixels);
    const got = tailModel.predict(d2.features(pixels)) as tf.Tensor4D;
    assert.deepEqual(got.shape, want.shape);
    const scale = tf.max(tf.abs(want)).dataSync()[0];
    assert.ok(scale > 0.1, 'the dense3 map is not trivial');
    return tf.max(tf.abs(tf.sub(got, want))).dataSync()[0] / scale;
  });
  assert.ok(err < 1e-4, `relative error ${err}`);
  assert.equal(tf.memory().numTensors, before, 'no tensors leak');
  head.dispose();
  d2.dispose();
  d3.dispose();
});

test('the tail rejects an input it cannot read, naming the fix', () => {
  assert.throws(
    () => createHead('fecnet', { tail: 'faceapi-expression-dense3', inputShape: [7, 7, 256] }),
    (e: Error & { code?: string }) =>
      e.code === 'E_BAD_OPTION' && /dense2/.test(e.message + String((e as { fix?: string }).fix)),
  );
});

test('a head with the full trunk tail reads 0..1 pixels and reproduces the backbone’s dense3 map; it saves and loads', async () => {
  const d3 = await createBackbone('faceapi-expression', { layer: 'dense3' });
  const head = createHead('se-densenet', {
    preset: 'shallow',
    tail: 'faceapi-expression-full',
    inputMode: 'pixels',
  });
  assert.deepEqual(head.inputs[0].shape.slice(1), [112, 112, 3]);
  await initHeadTail(head, 'faceapi-expression-full');
  const tailModel = tf.model({ inputs: head.inputs, outputs: head.getLayer('tail3_out').output });
  const before = tf.memory().numTensors;
  const err = tf.tidy(() => {
    const pixels = tf.randomUniform([2, 112, 112, 3], 0, 255, 'float32', 7) as tf.Tensor4D;
    const want = d3.features(pixels);
    const got = tailModel.predict(tf.div(pixels, 255)) as tf.Tensor4D;
    assert.deepEqual(got.shape, want.shape);
    const scale = tf.max(tf.abs(want)).dataSync()[0];
    assert.ok(scale > 0.1, 'the dense3 map is not trivial');
    return tf.max(tf.abs(tf.sub(got, want))).dataSync()[0] / scale;
  });
  assert.ok(err < 1e-4, `relative error ${err}`);
  assert.equal(tf.memory().numTensors, before, 'no tensors leak');
  // The normalisation layer survives serialisation (a model artifact rebuilds it).
  const again = await tf.models.modelFromJSON(
    JSON.parse(JSON.stringify(head.toJSON(null, false))) as never,
  );
  assert.equal(again.getLayer('tail_normalise').getClassName(), 'ExprsimChannelShift');
  again.dispose();
  head.dispose();
  d3.dispose();
  assert.throws(
    () => createHead('se-densenet', { tail: 'faceapi-expression-full', inputShape: [14, 14, 128] }),
    (e: Error & { code?: string; fix?: string }) =>
      e.code === 'E_BAD_OPTION' && /--pixels 112x112x3/.test(String(e.fix)),
  );
});
