import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExprsimError } from '../../core/index.js';
import type { HeadSummary } from '../../index.js';
import { runCliSync } from '../../../test/helpers.js';
import { modelsInput, renderModelsTable } from './models.js';

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

test('the table: one row per head and preset, numbers right-aligned', () => {
  const base = { inputMode: 'features', inputShape: [7, 7, 64], embeddingSize: 16 };
  const rows = [
    {
      head: 'fecnet',
      preset: 'paper',
      config: { ...base, layers: 5, growth: 64 },
      params: 2536720,
      trainableParams: 2526096,
      flops: 204_800_000,
    },
    {
      head: 'se-densenet',
      preset: 'shallow',
      config: { ...base, layersPerBlock: 2, growth: 16 },
      params: 113327,
      trainableParams: 111695,
      flops: 6_700_000,
    },
  ] as unknown as HeadSummary[];
  const lines = renderModelsTable(rows, 'pixels', [32, 32, 1]).trimEnd().split('\n');
  assert.match(lines[0], /^pixel input 32x32x1; FLOPs = 2 x multiply-adds/);
  assert.match(lines[1], /^head\s+preset\s+layers\s+params\s+trainable\s+MFLOPs\/face$/);
  assert.match(lines[2], /^fecnet\s+paper\s+5, k=64\s+2,536,720\s+2,526,096\s+204\.8$/);
  assert.match(lines[3], /^se-densenet\s+shallow\s+3x2, k=16\s+113,327\s+111,695\s+6\.7$/);
  assert.equal(lines[2].length, lines[3].length);
});
