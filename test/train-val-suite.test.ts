// Validation over a suite during training (issue 21): each validation scores the candidate on
// every set of an eval suite, the best model is the one with the best mean over the sets (not
// the best on the run's own val split), and that mean is the one `exprsim eval --suite` gives
// the saved model. A run started from a framed model keeps its framing when the crops match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  evaluateSuite,
  initEngine,
  openSuiteValidator,
  readMetrics,
  readModelManifest,
  train,
  writeModelPreprocess,
  type JsonObject,
  type ValMetrics,
} from '../src/index.js';
import { makeTempDir, removeDir } from './fixtures/images/helpers.js';
import { makeSyntheticDataset } from './fixtures/train/synthetic.js';

await initEngine();
const dir = await makeTempDir('exprsim-val-suite-');
const { triplets } = await makeSyntheticDataset(dir, { perLabel: { train: 6, val: 4, test: 4 } });
const suite = join(dir, 'suite.json');
writeFileSync(
  suite,
  JSON.stringify({
    name: 'tiny',
    sets: [
      { name: 'test', triplets: 'triplets', split: 'test' },
      { name: 'val-first', triplets: 'triplets', split: 'val', limit: 20 },
    ],
  }),
);
test.after(() => removeDir(dir));

const options = {
  head: 'densenet',
  headConfig: { growth: 4, layersPerBlock: 1, stemStride: 2 },
  input: { kind: 'pixels' as const, shape: [16, 16, 1] as [number, number, number] },
  triplets,
  batchSize: 16,
  steps: 12,
  valEvery: 3,
  lr: 3e-3,
  workers: 1,
  valSuite: suite,
};

test('the best model is chosen on the suite mean, the figure eval --suite gives it', async () => {
  const out = join(dir, 'run');
  const r = await train({ out, options, openValidator: openSuiteValidator });
  assert.equal(r.status, 'completed');
  const vals = readMetrics(join(out, 'metrics.jsonl')).filter(
    (l): l is ValMetrics => l.kind === 'val',
  );
  assert.deepEqual(
    vals.map((v) => v.step),
    [3, 6, 9, 12],
  );
  for (const v of vals) {
    const s = v.suite;
    assert.ok(s !== undefined, `step ${v.step} has suite figures`);
    assert.deepEqual(
      s.sets.map((x) => x.name),
      ['test', 'val-first'],
    );
    assert.equal(s.sets[1].triplets, 20);
    assert.ok(Math.abs(s.mean - (s.sets[0].accuracy + s.sets[1].accuracy) / 2) < 1e-12);
  }
  // The first validation with the highest mean (a later tie is no improvement).
  const means = vals.map((v) => v.suite?.mean ?? NaN);
  const bestAt = vals[means.indexOf(Math.max(...means))].step;
  assert.equal(r.best?.step, bestAt);
  assert.equal(r.best?.valAccuracy, Math.max(...means));
  const manifest = await readModelManifest(join(out, 'best'));
  const metrics = manifest.metrics as JsonObject;
  assert.equal((metrics.suite as JsonObject).mean, Math.max(...means));
  const evaluated = await evaluateSuite({ model: join(out, 'best'), suite });
  assert.ok(Math.abs(evaluated.meanAccuracy - Math.max(...means)) < 1e-12);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as JsonObject;
  assert.equal(config.valSuite, suite);
});

test('a run with a suite needs a way to open it', async () => {
  await assert.rejects(train({ out: join(dir, 'no-opener'), options }), {
    code: 'E_BAD_OPTION',
    option: 'valSuite',
  });
});

test('a run from a framed model saves its framing with every model when the crops match', async () => {
  const from = join(dir, 'run', 'best');
  const manifest = await readModelManifest(from);
  const pre = manifest.preprocess as JsonObject;
  const framing = { mtcnn: { dx: 0.01, dy: 0.12, scale: 1.3 } };
  await writeModelPreprocess(from, { ...pre, crop: { ...(pre.crop as JsonObject), framing } });
  const { valSuite: _s, head: _h, headConfig: _c, ...rest } = options;
  const out = join(dir, 'run-init');
  await train({ out, options: { ...rest, init: from, steps: 3 } });
  const saved = (await readModelManifest(join(out, 'best'))).preprocess as JsonObject;
  assert.deepEqual((saved.crop as JsonObject).framing, framing);
  // A fresh run (no init) has no framing of its own.
  const fresh = join(dir, 'run-fresh');
  await train({ out: fresh, options: { ...rest, head: 'densenet', steps: 3 } });
  const own = (await readModelManifest(join(fresh, 'best'))).preprocess as JsonObject;
  assert.equal((own.crop as JsonObject).framing, undefined);
});
