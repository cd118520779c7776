import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCliSync } from './helpers.js';

const run = (...args: string[]) => runCliSync(args, { env: { EXPRSIM_BACKEND: '' } });

test('exprsim --help lists the commands and global options', () => {
  const r = run('--help');
  assert.equal(r.code, 0);
  for (const s of ['info', 'demo', '--backend', '--verbose', '--json'])
    assert.ok(r.stdout.includes(s), s);
});

test('exprsim info --json reports the backend and why', () => {
  const r = run('info', '--json');
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as {
    backend: string;
    reason: string;
    modelDir: string;
    attempts: { backend: string; ok: boolean }[];
  };
  assert.ok(['node', 'wasm'].includes(info.backend));
  assert.ok(info.reason.length > 0);
  assert.ok(info.modelDir.endsWith('models'));
  if (info.backend === 'wasm')
    assert.deepEqual(
      info.attempts.map((a) => [a.backend, a.ok]),
      [
        ['node', false],
        ['wasm', true],
      ],
    );
});

test('a bad backend is one line naming it, exit 1', () => {
  const r = runCliSync(['info'], { env: { EXPRSIM_BACKEND: 'gpu' } });
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /EXPRSIM_BACKEND: unknown backend "gpu".*node, wasm, cpu/);
});

test('unknown options and commands fail with a usage hint', () => {
  const r = run('info', '--frobnicate');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unknown option '--frobnicate'/);
  const c = run('frobnicate');
  assert.notEqual(c.code, 0);
  assert.match(c.stderr, /unknown command/);
});

test('exprsim demo --json: the end-to-end self-check passes', () => {
  const r = run('demo', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    ok: boolean;
    imageRoundTrip: boolean;
    losses: number[];
    reloadMaxDiff: number;
    leakedTensors: number;
  };
  assert.equal(out.imageRoundTrip, true);
  assert.ok(out.losses.at(-1)! < out.losses[0]);
  assert.equal(out.reloadMaxDiff, 0);
  assert.equal(out.leakedTensors, 0);
  assert.equal(out.ok, true);
});
