import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANN_MIN_FACES, annDisabledByEnv, resolveAnnOptions, wantsAnn } from './ann-options.js';

test('ANN options: defaults per store, EXPRSIM_ANN=0 turns it off, bad values are named', () => {
  const sqlite = resolveAnnOptions({}, 'sqlite', {});
  assert.deepEqual(sqlite, {
    mode: 'auto',
    minFaces: 100_000,
    m: 16,
    efConstruction: 64,
    efSearch: 64,
  });
  assert.equal(resolveAnnOptions({}, 'postgres', {}).minFaces, ANN_MIN_FACES.postgres);
  assert.equal(wantsAnn(sqlite, 99_999), false);
  assert.equal(wantsAnn(sqlite, 100_000), true);
  assert.equal(wantsAnn({ ...sqlite, mode: 'hnsw' }, 1), true);
  assert.equal(wantsAnn({ ...sqlite, mode: 'hnsw' }, 0), false, 'nothing to index');
  for (const v of ['0', 'off', 'FALSE']) {
    assert.equal(annDisabledByEnv({ EXPRSIM_ANN: v }), true, v);
    assert.equal(resolveAnnOptions({ mode: 'hnsw' }, 'sqlite', { EXPRSIM_ANN: v }).mode, 'off');
  }
  assert.equal(annDisabledByEnv({ EXPRSIM_ANN: '1' }), false);
  assert.throws(() => resolveAnnOptions({ mode: 'fast' as 'auto' }), {
    code: 'E_BAD_OPTION',
    message: 'unknown ANN mode "fast"',
  });
  assert.throws(() => resolveAnnOptions({ efSearch: 0 }), {
    code: 'E_BAD_OPTION',
    message: 'efSearch must be a whole number from 1 to 10000, got 0',
  });
  assert.throws(() => resolveAnnOptions({ m: 2.5 }), {
    code: 'E_BAD_OPTION',
    option: 'm',
  } as object);
});
