import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliSync } from '../../../test/helpers.js';
import { trainOptionsOf } from './train-options.js';

const run = (...args: string[]) => runCliSync(['--backend', 'cpu', ...args]);

test('train flags: only those given become options, by their keys', () => {
  const o = trainOptionsOf({
    head: 'densenet',
    preset: 'deep',
    pixels: '16x16x1',
    batchSize: '8',
    lr: '0.5',
    schedule: 'cosine',
    shift: '0.1',
    averageFlip: true,
  });
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  assert.deepEqual(given, {
    head: 'densenet',
    headConfig: { preset: 'deep' },
    input: { kind: 'pixels', shape: [16, 16, 1] },
    augment: { shift: 0.1 },
    batchSize: 8,
    lr: 0.5,
    schedule: 'cosine',
    averageFlip: true,
  });
  assert.deepEqual(trainOptionsOf({ features: 'c', mirrorFeatures: 'm' }).input, {
    kind: 'features',
    cache: 'c',
    mirror: 'm',
  });
  assert.deepEqual(trainOptionsOf({ pixels: '8x8x1', flip: true, scale: '0.15' }).augment, {
    flip: true,
    scale: 0.15,
  });
  assert.throws(() => trainOptionsOf({ pixels: '8x8x1', scale: '0.7' }), /--scale/);
  assert.throws(() => trainOptionsOf({ pixels: '8x8x1', random: '8x8x1' }), /one of/);
});

test('the library checks what a run needs; the CLI shows its flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exprsim-train-cli-'));
  try {
    const out = join(dir, 'run');
    const noHead = run('train', '--out', out, '--pixels', '8x8x1', '--triplets', dir);
    assert.equal(noHead.code, 1);
    assert.match(noHead.stderr, /`--head` is required .*`--init`/);
    const resumed = run('train', '--out', out, '--resume', '--lr', '0.1', '--steps', '3');
    assert.equal(resumed.code, 1);
    assert.match(resumed.stderr, /`--resume` takes the run's settings .*do not pass `--lr`/);
    assert.match(resumed.stderr, /only `--steps`, `--epochs`, `--workers`, `--patience` may/);
    const versus = run('eval', '--model', dir, '--triplets', dir, '--versus-resize', 'linear');
    assert.equal(versus.code, 1);
    assert.match(versus.stderr, /`--versus-resize` needs `--versus`/);
    const only = run('baselines', '--triplets', dir, '--only', 'raw-pixels,nope');
    assert.equal(only.code, 1);
    assert.match(only.stderr, /unknown baseline "nope"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
