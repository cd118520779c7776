import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { initEngine, parseBackendName } from './backend.js';
import { ExprsimError } from '../core/errors.js';

const tfjsNodeInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

test('unknown backend names are rejected with the valid ones listed', () => {
  assert.throws(
    () => parseBackendName('gpu', '--backend'),
    (e: unknown) =>
      e instanceof ExprsimError && e.code === 'E_BAD_OPTION' && /node, wasm, cpu/.test(e.toLine()),
  );
});

test('default preference: node, else wasm with SIMD, saying why', async () => {
  delete process.env.EXPRSIM_BACKEND;
  const info = await initEngine();
  if (tfjsNodeInstalled) {
    assert.equal(info.backend, 'node');
    return;
  }
  assert.equal(info.backend, 'wasm');
  assert.equal(info.simd, true);
  assert.equal(info.attempts[0].backend, 'node');
  assert.equal(info.attempts[0].ok, false);
  assert.match(info.attempts[0].detail, /tfjs-node is not installed/);
  assert.match(info.reason, /fallback: node unavailable/);
  assert.ok(info.trainingKernels.includes('Conv2DBackpropFilter'));
});

test(
  'asking for an unavailable backend says so and why',
  { skip: tfjsNodeInstalled && 'tfjs-node is installed here' },
  async () => {
    await assert.rejects(
      initEngine({ backend: 'node' }),
      (e: unknown) =>
        e instanceof ExprsimError &&
        e.code === 'E_BACKEND_UNAVAILABLE' &&
        /tfjs-node is not installed/.test(e.message),
    );
  },
);

test('switching to cpu on request', async () => {
  const info = await initEngine({ backend: 'cpu' });
  assert.equal(info.backend, 'cpu');
  assert.equal(info.reason, 'requested by option');
});
