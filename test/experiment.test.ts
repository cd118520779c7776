// `exprsim experiment` end to end on a tiny generated dataset: a plan of three tiny runs (a grid
// and an explicit run) plus one that cannot run, interrupted and resumed, rerun (finished runs
// skipped), then a report over the run folders: files exist, the table's numbers are those of
// eval-test.json and metrics.jsonl, and each run's embedding map is drawn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  initEngine,
  parsePlan,
  readEmbeddingsFile,
  readMetrics,
  runExperiment,
  writeReport,
  type ExperimentEvent,
  type ValMetrics,
} from '../src/index.js';
import { makeTempDir, removeDir } from './fixtures/images/helpers.js';
import { makeSyntheticDataset } from './fixtures/train/synthetic.js';
import { runCli } from './helpers.js';

await initEngine();
const dir = await makeTempDir('exprsim-experiment-');
const { triplets } = await makeSyntheticDataset(dir, { perLabel: { train: 6, val: 4, test: 4 } });
test.after(() => removeDir(dir));

const TINY = { growth: 4, layersPerBlock: 1, stemStride: 2 };
const rawPlan = {
  name: 'tiny',
  description: 'tiny fixture study',
  out: join(dir, 'runs'),
  triplets,
  mapImages: 10,
  defaults: { steps: 4, batchSize: 16, lr: 0.003, valEvery: 2, workers: 1 },
  inputs: {
    px: { pixels: '16x16x1', detector: 'whole-image', detectionRate: 1 },
    small: { pixels: '12x12x1', detector: 'viola-jones', detectionRate: 0.7 },
    missing: { features: join(dir, 'no-such-cache') },
  },
  grid: {
    heads: ['densenet', 'se-densenet'],
    presets: ['shallow'],
    inputs: ['px'],
    variants: [{ name: 'tiny', headConfig: TINY }],
  },
  runs: [
    { head: 'densenet', preset: 'shallow', variant: 'tiny', headConfig: TINY, input: 'small' },
    { name: 'broken', head: 'densenet', input: 'missing' },
  ],
  groups: { se: { head: 'se-densenet' }, px: { input: 'px' } },
};
const plan = parsePlan(rawPlan);
const NAMES = [
  'densenet-shallow-tiny-px-s1',
  'se-densenet-shallow-tiny-px-s1',
  'densenet-shallow-tiny-small-s1',
  'broken',
];

test('the experiment runs, survives an interrupt and a failing run, and resumes', async () => {
  assert.deepEqual(
    plan.runs.map((r) => r.name),
    NAMES,
  );
  // Ctrl-C during the first run: the trainer finishes the step, checkpoints and stops there.
  const controller = new AbortController();
  const first = await runExperiment(plan, {
    signal: controller.signal,
    onProgress: (e) => {
      if (e.kind === 'progress') controller.abort();
    },
  });
  assert.equal(first.interrupted, true);
  assert.deepEqual(
    first.runs.map((r) => r.status),
    ['interrupted', 'not-run', 'not-run', 'not-run'],
  );
  const firstDir = plan.runs[0].dir;
  assert.ok(existsSync(join(firstDir, 'checkpoint.json')));
  assert.equal(JSON.parse(readFileSync(join(firstDir, 'run.json'), 'utf8')).status, 'interrupted');

  const events: ExperimentEvent[] = [];
  const second = await runExperiment(plan, { onProgress: (e) => events.push(e) });
  assert.equal(second.interrupted, false);
  assert.deepEqual(
    second.runs.map((r) => r.status),
    ['completed', 'completed', 'completed', 'failed'],
  );
  const actions = events.flatMap((e) => (e.kind === 'run' ? [`${e.run}:${e.action}`] : []));
  assert.deepEqual(actions, [
    'densenet-shallow-tiny-px-s1:resume',
    'se-densenet-shallow-tiny-px-s1:train',
    'densenet-shallow-tiny-small-s1:train',
    'broken:train',
  ]);
  // The resumed run did its 4 steps once each.
  const steps = readMetrics(join(firstDir, 'metrics.jsonl')).filter((l) => l.kind === 'step');
  assert.deepEqual(
    steps.map((s) => s.step),
    [1, 2, 3, 4],
  );
  // The failing run is recorded and did not stop the others.
  const broken = JSON.parse(readFileSync(join(plan.runs[3].dir, 'run.json'), 'utf8'));
  assert.equal(broken.status, 'failed');
  assert.match(broken.error, /./);
  assert.match(second.runs[3].error ?? '', /no-such-cache/);

  for (const r of plan.runs.slice(0, 3)) {
    const ev = JSON.parse(readFileSync(join(r.dir, 'eval-test.json'), 'utf8'));
    assert.equal(ev.split, 'test');
    assert.equal(ev.triplets, 30);
    const meta = JSON.parse(readFileSync(join(r.dir, 'run.json'), 'utf8'));
    assert.equal(meta.status, 'completed');
    assert.equal(meta.plan, 'tiny');
    assert.deepEqual(meta.groups, r.groups);
    assert.equal(meta.detector, r.input.detector);
    const emb = await readEmbeddingsFile(join(r.dir, 'embeddings-test.json'));
    assert.equal(emb.labelledImages, 12); // 3 labels × 4 test images
    assert.equal(emb.labels.length, 10); // mapImages
    assert.equal(emb.dim, 16);
    assert.ok(emb.vectors.every((v) => Math.abs(Math.hypot(...v) - 1) < 1e-4));
  }
  assert.deepEqual(plan.runs[1].groups, ['se', 'px']);

  // Rerun: every finished run is skipped; the broken one is retried (and fails again).
  const third = await runExperiment(plan, { only: ['px', 'densenet-shallow-tiny-small-s1'] });
  assert.deepEqual(
    third.runs.map((r) => `${r.name}:${r.status}`),
    NAMES.slice(0, 3).map((n) => `${n}:skipped`),
  );
  assert.equal(third.runs[0].accuracy, second.runs[0].accuracy);
});

test('the report over the experiment: table numbers equal the runs’ files; maps drawn', async () => {
  const out = join(dir, 'report');
  const dirs = plan.runs.slice(0, 3).map((r) => r.dir);
  const r = await writeReport(dirs, out, { title: 'tiny', smoothing: 2 });
  const names = [
    'report.md',
    'report.html',
    'test-accuracy.png',
    'val-accuracy-all.svg',
    'val-accuracy-se.svg',
    'loss-px.png',
    'detection-vs-accuracy.png',
    ...NAMES.slice(0, 3).flatMap((n) => [`map-${n}.svg`, `map-${n}.png`]),
  ];
  for (const n of names) assert.ok(existsSync(join(out, n)), `${n} written`);
  for (const f of r.files.filter((x) => x.endsWith('.svg'))) {
    const meta = await sharp(f).metadata(); // librsvg parses it
    assert.equal(meta.format, 'svg', f);
  }
  const map = readFileSync(join(out, `map-${NAMES[0]}.svg`), 'utf8');
  assert.equal((map.match(/<circle /g) ?? []).length, 10 + 3); // 10 images + 3 legend dots
  for (const label of ['bars-h', 'bars-v', 'blob']) assert.match(map, new RegExp(`>${label}<`));

  const md = readFileSync(join(out, 'report.md'), 'utf8');
  const pct = (x: number) => (100 * x).toFixed(1);
  for (const run of plan.runs.slice(0, 3)) {
    const ev = JSON.parse(readFileSync(join(run.dir, 'eval-test.json'), 'utf8'));
    const vals = readMetrics(join(run.dir, 'metrics.jsonl')).filter(
      (l): l is ValMetrics => l.kind === 'val',
    );
    const best = vals.reduce((a, b) => (b.valAccuracy > a.valAccuracy ? b : a));
    const row = md.split('\n').find((l) => l.startsWith(`| ${run.name} |`)) ?? '';
    const cells = row.split('|').map((c) => c.trim());
    assert.equal(cells[4], run.input.detector);
    assert.equal(cells[8], '4'); // steps
    assert.equal(cells[9], `${pct(best.valAccuracy)} (step ${best.step})`);
    assert.equal(cells[10], pct(ev.tripletAccuracy.accuracy));
    assert.equal(cells[11], `${pct(ev.tripletAccuracy.ci[0])}–${pct(ev.tripletAccuracy.ci[1])}`);
  }
  assert.match(md, new RegExp(`!\\[.*\\]\\(map-${NAMES[1]}\\.png\\)`));
});

test('exprsim experiment --dry-run lists the runs (YAML plan) and which are done', async () => {
  const yaml = join(dir, 'tiny.yaml');
  const { stringify } = await import('yaml');
  await writeFile(yaml, stringify(rawPlan));
  const r = await runCli(['--json', 'experiment', yaml, '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { runs: { name: string; state: string; groups: string[] }[] };
  assert.deepEqual(
    out.runs.map((x) => `${x.name}:${x.state}`),
    [...NAMES.slice(0, 3).map((n) => `${n}:finished`), 'broken:failed'],
  );
  const text = await runCli(['experiment', yaml, '--dry-run', '--only', 'se']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /se-densenet-shallow-tiny-px-s1\s+se,px\s+finished \(\d+\.\d%\)/);
  assert.match(text.stdout, /1 finished, 0 to run/);
  const bad = await runCli(['experiment', yaml, '--dry-run', '--only', 'nope']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /the plan has no run or group "nope"/);
});
