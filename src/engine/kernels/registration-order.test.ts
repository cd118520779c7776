/**
 * Registering the kernels before the wasm backend is initialised: the engine then runs the
 * setupFuncs of the kernels registered at that moment, i.e. ours, which must still bind the
 * original kernels' wasm functions that ours delegate to (and that unregistering restores).
 * Needs a fresh process in which wasm has not been initialised yet, hence its own file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from './index.js';

test('kernels registered before the wasm backend initialises', async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = tf.tensor2d([1, 0, 2, 1, 0, 3], [3, 2]);
  // Untransposed: delegated to the original kernel, whose setupFunc ran through ours.
  assert.deepEqual(Array.from(tf.matMul(a, b).dataSync()), [5, 11, 14, 23]);
  // Transposed: explicit transpose, then the original.
  assert.deepEqual(Array.from(tf.matMul(b, a, true, true).dataSync()), [5, 14, 11, 23]);
  // bool Tile with one-element blocks: the original kernel.
  assert.deepEqual(
    Array.from(tf.tile(tf.tensor2d([1, 0, 1], [3, 1], 'bool'), [1, 2]).dataSync()),
    [1, 1, 0, 0, 1, 1],
  );
  unregisterWasmTrainingKernels();
  const dy = tf.ones([1, 2, 2, 1]) as tf.Tensor4D;
  const w = tf.ones([2, 2, 1, 1]) as tf.Tensor4D;
  // The restored original Conv2DBackpropInput works too.
  assert.deepEqual(
    Array.from(tf.conv2dTranspose(dy, w, [1, 3, 3, 1], 1, 'valid').dataSync()),
    [1, 2, 1, 2, 4, 2, 1, 2, 1],
  );
});
