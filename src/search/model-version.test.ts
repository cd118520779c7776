import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveTestModel } from '../../test/fixtures/search/model.js';
import { loadModel } from '../models/artifact.js';
import { modelVersion } from './model-version.js';

const work = await mkdtemp(join(tmpdir(), 'exprsim-model-version-'));
after(() => rm(work, { recursive: true, force: true }));

test('modelVersion: the same weights keep their version; flip averaging changes it', async () => {
  const dir = await saveTestModel(join(work, 'model'));
  const a = await loadModel(dir);
  const b = await loadModel(dir);
  const c = await loadModel(dir);
  c.manifest.averageFlip = true;
  try {
    assert.match(modelVersion(a), /^[a-z-]+-[0-9a-f]{16}$/);
    assert.equal(modelVersion(b), modelVersion(a));
    assert.notEqual(modelVersion(c), modelVersion(a));
  } finally {
    for (const m of [a, b, c]) m.model.dispose();
  }
});
