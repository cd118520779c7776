import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine } from '../engine/backend.js';
import { loadModel } from '../models/artifact.js';
import { createHead } from '../models/heads/registry.js';
import { isTailLayer } from '../models/heads/common.js';
import { makeTempDir, removeDir } from '../../test/fixtures/images/helpers.js';
import { makeSyntheticDataset } from '../../test/fixtures/train/synthetic.js';
import { initHeadTail } from './head-tail.js';
import { train } from './trainer.js';

await initEngine();
const dir = await makeTempDir('exprsim-tail-lr-');
const { triplets } = await makeSyntheticDataset(dir, { perLabel: { train: 6, val: 4, test: 4 } });
test.after(() => removeDir(dir));

const headConfig = {
  preset: 'paper',
  stemChannels: 8,
  layers: 1,
  growth: 4,
  hiddenUnits: 8,
  tail: 'faceapi-expression-dense3',
};
const options = {
  head: 'fecnet',
  headConfig,
  input: { kind: 'random' as const, shape: [14, 14, 128] as [number, number, number] },
  triplets,
  steps: 2,
  lr: 1e-2,
  workers: 1,
};

test('--tail-lr-scale 0 holds the tail at the backbone’s weights while the head trains', async () => {
  const out = join(dir, 'frozen-tail');
  const r = await train({ out, options: { ...options, tailLrScale: 0 } });
  assert.equal(r.config.tailLrScale, 0);
  const start = createHead('fecnet', { ...headConfig, inputShape: [14, 14, 128] });
  await initHeadTail(start, 'faceapi-expression-dense3');
  const { model } = await loadModel(join(out, 'best'));
  let tailWeights = 0;
  let headMoved = 0;
  model.trainableWeights.forEach((w, i) => {
    const now = w.read().dataSync();
    const then = start.trainableWeights[i].read().dataSync();
    const same = now.every((v, k) => v === then[k]);
    if (isTailLayer(w.originalName)) {
      tailWeights++;
      assert.ok(same, `${w.originalName} moved at scale 0`);
    } else if (!same) headMoved++;
  });
  assert.ok(tailWeights >= 4, `${tailWeights} tail weights`);
  assert.ok(headMoved > 0, 'the head trained');
  model.dispose();
  start.dispose();
});

test('--tail-lr-scale without a tail, or below 0, is refused before anything is written', async () => {
  await assert.rejects(
    train({
      out: join(dir, 'no-tail'),
      options: {
        ...options,
        headConfig: { ...headConfig, tail: 'none' },
        input: { kind: 'random', shape: [7, 7, 256] },
        tailLrScale: 2,
      },
    }),
    (e: Error & { code?: string }) =>
      e.code === 'E_BAD_OPTION' && /needs a head with a tail/.test(e.message),
  );
  await assert.rejects(
    train({ out: join(dir, 'negative'), options: { ...options, tailLrScale: -1 } }),
    (e: Error & { option?: string }) =>
      e.option === 'tailLrScale' && /`tailLrScale` must be a number >= 0/.test(e.message),
  );
  assert.ok(!existsSync(join(dir, 'no-tail')) && !existsSync(join(dir, 'negative')));
});
