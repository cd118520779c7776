import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExprsimError } from '../../core/index.js';
import { runCliSync } from '../../../test/helpers.js';
import { modelsInput } from './models.js';

const run = (...args: string[]) => runCliSync(['--backend', 'cpu', ...args]);

test('modelsInput: default feature map, --input, --pixels, not both', () => {
  assert.deepEqual(modelsInput({}), { inputMode: 'features', inputShape: [7, 7, 1024] });
  assert.deepEqual(modelsInput({ input: '12x12x512' }), {
    inputMode: 'features',
    inputShape: [12, 12, 512],
  });
  assert.deepEqual(modelsInput({ pixels: '100x100x1' }), {
    inputMode: 'pixels',
    inputShape: [100, 100, 1],
  });
  assert.throws(
    () => modelsInput({ input: '7x7x8', pixels: '8x8x1' }),
    (e: unknown) => e instanceof ExprsimError && /exclude each other/.test(e.message),
  );
});

test('exprsim models --json: every head and preset with params and FLOPs', () => {
  const r = run('models', '--input', '7x7x64', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    input: { mode: string; shape: number[] };
    heads: { head: string; preset: string; params: number; flops: number }[];
  };
  assert.deepEqual(out.input, { mode: 'features', shape: [7, 7, 64] });
  assert.equal(out.heads.length, 11);
  assert.deepEqual(
    out.heads.filter((h) => h.head === 'densenet').map((h) => h.preset),
    ['deep', 'shallow'],
  );
  for (const h of out.heads) assert.ok(h.params > 0 && h.flops > 0, h.head);
});
