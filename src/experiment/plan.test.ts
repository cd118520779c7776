import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { HEAD_NAMES } from '../models/heads/registry.js';
import { fileURLToPath } from 'node:url';
import { loadPlan, parsePlan, parsePlanText } from './plan.js';

const CWD = '/work/study';

/** A plan with a grid of 2 heads × 2 presets × 2 inputs × 2 seeds and three groups. */
function goodPlan(): Record<string, unknown> {
  return {
    name: 'study',
    triplets: 'data/fer',
    defaults: { steps: 40, batchSize: 16, lr: 0.002, schedule: 'cosine', valEvery: 20 },
    inputs: {
      expr: { features: 'cache/fer-expr', detector: 'whole-image', detectionRate: 1 },
      px: { pixels: '48x48x1', detector: 'mtcnn', detectionRate: 0.9 },
    },
    grid: {
      heads: ['densenet', 'fecnet'],
      presets: ['deep', 'shallow'],
      inputs: ['expr', 'px'],
      seeds: [1, 2],
    },
    groups: {
      deep: { preset: 'deep' },
      fecnet: { head: ['fecnet'] },
      mtcnn: { detector: 'mtcnn', seed: 1 },
    },
  };
}

/** Asserts `fn` throws an ExprsimError with `code` whose text matches every pattern. */
function throwsPlanError(fn: () => unknown, code: string, ...patterns: RegExp[]): ExprsimError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ExprsimError, `expected an ExprsimError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.toLine());
  for (const p of patterns) assert.match(caught.toLine(), p);
  return caught;
}

test('a good plan expands to runs with stable names, options and groups (by hand)', () => {
  const plan = parsePlan(goodPlan(), { source: 'study.json', cwd: CWD });
  assert.equal(plan.name, 'study');
  assert.equal(plan.out, join(CWD, 'runs'));
  assert.equal(plan.triplets, join(CWD, 'data/fer'));
  assert.equal(plan.evalSplit, 'test');
  assert.equal(plan.mapImages, 1500);
  assert.equal(plan.report, undefined);
  // fecnet has only its 'paper' preset: it runs once per input and seed; densenet runs both.
  const names = plan.runs.map((r) => r.name);
  assert.deepEqual(names, [
    'densenet-deep-expr-s1',
    'densenet-shallow-expr-s1',
    'fecnet-paper-expr-s1',
    'densenet-deep-px-s1',
    'densenet-shallow-px-s1',
    'fecnet-paper-px-s1',
    'densenet-deep-expr-s2',
    'densenet-shallow-expr-s2',
    'fecnet-paper-expr-s2',
    'densenet-deep-px-s2',
    'densenet-shallow-px-s2',
    'fecnet-paper-px-s2',
  ]);
  const byName = new Map(plan.runs.map((r) => [r.name, r]));
  const r = byName.get('densenet-shallow-px-s2');
  assert.ok(r);
  assert.equal(r.dir, join(CWD, 'runs', 'densenet-shallow-px-s2'));
  assert.deepEqual(r.options, {
    steps: 40,
    batchSize: 16,
    lr: 0.002,
    schedule: 'cosine',
    valEvery: 20,
    seed: 2,
    head: 'densenet',
    headConfig: { preset: 'shallow' },
    input: { kind: 'pixels', shape: [48, 48, 1] },
    triplets: join(CWD, 'data/fer'),
  });
  assert.deepEqual(byName.get('fecnet-paper-expr-s1')?.options.input, {
    kind: 'features',
    cache: join(CWD, 'cache/fer-expr'),
  });
  assert.equal(byName.get('fecnet-paper-expr-s1')?.input.detectionRate, 1);
  // Groups by hand: deep = the densenet deep runs; fecnet = the fecnet runs; mtcnn = seed-1 px runs.
  const members = (g: string) => plan.runs.filter((x) => x.groups.includes(g)).map((x) => x.name);
  assert.deepEqual(members('deep'), [
    'densenet-deep-expr-s1',
    'densenet-deep-px-s1',
    'densenet-deep-expr-s2',
    'densenet-deep-px-s2',
  ]);
  assert.deepEqual(members('fecnet'), [
    'fecnet-paper-expr-s1',
    'fecnet-paper-px-s1',
    'fecnet-paper-expr-s2',
    'fecnet-paper-px-s2',
  ]);
  assert.deepEqual(members('mtcnn'), [
    'densenet-deep-px-s1',
    'densenet-shallow-px-s1',
    'fecnet-paper-px-s1',
  ]);
  assert.deepEqual(byName.get('densenet-deep-px-s1')?.groups, ['deep', 'mtcnn']);
  assert.deepEqual(byName.get('densenet-shallow-expr-s2')?.groups, []);
});

test('variants, an explicit runs list, inline inputs and the report option', () => {
  const plan = parsePlan(
    {
      name: 'v',
      triplets: '/data/t',
      out: '/runs/v',
      evalSplit: 'val',
      mapImages: 0,
      report: true,
      defaults: { epochs: 2, workers: 1 },
      grid: {
        heads: ['se-densenet'],
        presets: ['shallow'],
        inputs: [{ name: 'small', pixels: [16, 16, 1] }],
        variants: [
          { name: 'base', headConfig: {} },
          { name: 'drop', headConfig: { dropout: 0.2 } },
        ],
      },
      runs: [
        { head: 'skip-densenet', preset: 'deep', input: 'small', seed: 3, options: { lr: 0.01 } },
        { name: 'custom', head: 'fecnet', input: { name: 'big', pixels: '32x32x3' } },
      ],
      groups: { drop: { variant: 'drop' }, small: { input: 'small' } },
    },
    { cwd: CWD },
  );
  assert.deepEqual(
    plan.runs.map((r) => r.name),
    [
      'se-densenet-shallow-base-small-s1',
      'se-densenet-shallow-drop-small-s1',
      'skip-densenet-deep-small-s3',
      'custom',
    ],
  );
  assert.equal(plan.report, '/runs/v/report');
  assert.equal(plan.evalSplit, 'val');
  assert.equal(plan.mapImages, 0);
  const [, drop, skip, custom] = plan.runs;
  assert.deepEqual(drop.headConfig, { dropout: 0.2, preset: 'shallow' });
  assert.deepEqual(drop.groups, ['drop', 'small']);
  assert.equal(skip.options.lr, 0.01);
  assert.equal(skip.options.epochs, 2);
  assert.equal(skip.options.seed, 3);
  assert.equal(custom.preset, 'paper');
  assert.deepEqual(custom.options.input, { kind: 'pixels', shape: [32, 32, 3] });
  assert.deepEqual(
    plan.inputs.map((i) => i.name),
    ['small', 'big'],
  );
});

test('flip augmentation and averaging on a feature input with its mirrored view', () => {
  const p = goodPlan();
  (p.inputs as Record<string, unknown>).expr = { features: 'cache/fer-expr', mirror: 'cache/m' };
  Object.assign(p.defaults as Record<string, unknown>, {
    augment: { flip: true },
    averageFlip: true,
  });
  const plan = parsePlan(p, { cwd: CWD });
  const run = plan.runs.find((r) => r.input.name === 'expr')!;
  assert.deepEqual(run.input.spec, {
    kind: 'features',
    cache: join(CWD, 'cache/fer-expr'),
    mirror: join(CWD, 'cache/m'),
  });
  assert.equal(run.options.averageFlip, true);
  assert.deepEqual(run.options.augment, {
    flip: true,
    shift: 0,
    scale: 0,
    brightness: 0,
    contrast: 0,
    blur: 0,
  });
});

test('YAML and JSON plans parse to the same plan', async () => {
  const yaml = `
name: study
triplets: data/fer
defaults: { steps: 40, batchSize: 16, lr: 0.002, schedule: cosine, valEvery: 20 }
inputs:
  expr: { features: cache/fer-expr, detector: whole-image, detectionRate: 1 }
  px:
    pixels: 48x48x1
    detector: mtcnn
    detectionRate: 0.9
grid:
  heads: [densenet, fecnet]
  presets: [deep, shallow]
  inputs: [expr, px]
  seeds: [1, 2]
groups:
  deep: { preset: deep }
  fecnet: { head: [fecnet] }
  mtcnn: { detector: mtcnn, seed: 1 }
`;
  const fromYaml = parsePlan(await parsePlanText(yaml, 'study.yaml'), { cwd: CWD });
  const fromJson = parsePlan(await parsePlanText(JSON.stringify(goodPlan()), 'study.json'), {
    cwd: CWD,
  });
  assert.deepEqual(fromYaml, fromJson);
  await assert.rejects(parsePlanText('name: [unclosed', 'p.yml'), /not valid YAML/);
  await assert.rejects(parsePlanText('{"name": ', 'p.json'), /not valid JSON/);
});

test('unknown keys are rejected, naming the key and listing the valid ones', () => {
  const top = { ...goodPlan(), epochs: 3 };
  throwsPlanError(
    () => parsePlan(top, { source: 'study.json' }),
    'E_BAD_OPTION',
    /study\.json: plan\.epochs/,
    /unknown key "epochs" in plan/,
    /valid keys: name, description, out, triplets/,
  );
  const grid = goodPlan();
  (grid.grid as Record<string, unknown>).head = ['densenet'];
  throwsPlanError(
    () => parsePlan(grid),
    'E_BAD_OPTION',
    /grid\.head/,
    /valid keys: heads, presets, inputs, seeds, variants/,
  );
  const defaults = goodPlan();
  defaults.defaults = { learningRate: 0.1 };
  throwsPlanError(
    () => parsePlan(defaults),
    'E_BAD_OPTION',
    /unknown key "learningRate" in defaults/,
    /valid keys: .*\blr\b/,
  );
  const input = goodPlan();
  (input.inputs as Record<string, Record<string, unknown>>).px.detectorRate = 0.5;
  throwsPlanError(() => parsePlan(input), 'E_BAD_OPTION', /inputs\.px\.detectorRate/);
});

test('a bad head name gets the registry’s error, listing the valid heads', () => {
  const p = goodPlan();
  (p.grid as Record<string, unknown>).heads = ['densenet', 'se-densnet'];
  const e = throwsPlanError(
    () => parsePlan(p, { source: 'study.json' }),
    'E_UNKNOWN_NAME',
    /unknown head "se-densnet"/,
    /study\.json: grid\.heads\[1\]/,
  );
  assert.equal(e.fix, `use one of ${HEAD_NAMES.join(', ')}`);
  throwsPlanError(
    () =>
      parsePlan({
        name: 'x',
        triplets: 't',
        runs: [{ head: 'resnet', input: { name: 'p', pixels: '8x8x1' } }],
      }),
    'E_UNKNOWN_NAME',
    /runs\[0\]\.head/,
    /use one of fecnet, densenet/,
  );
});

test('bad values name the key', () => {
  const cases: [(p: Record<string, unknown>) => void, string, RegExp][] = [
    [
      (p) => ((p.defaults as Record<string, unknown>).lr = -1),
      'E_BAD_OPTION',
      /defaults.*lr must be a number > 0/,
    ],
    [
      (p) => ((p.defaults as Record<string, unknown>).schedule = 'cos'),
      'E_BAD_OPTION',
      /defaults\.schedule must be one of constant, step, cosine/,
    ],
    [
      (p) => ((p.defaults as Record<string, unknown>).steps = 2.5),
      'E_BAD_OPTION',
      /defaults\.steps must be a whole number/,
    ],
    [
      (p) => ((p.grid as Record<string, unknown>).presets = ['deep', 'shalow']),
      'E_BAD_OPTION',
      /grid\.presets\[1\].*no head of the grid has a preset "shalow".*use deep, shallow, paper/,
    ],
    [
      (p) => ((p.grid as Record<string, unknown>).inputs = ['expr', 'pixels']),
      'E_UNKNOWN_NAME',
      /grid\.inputs\[1\].*unknown input "pixels".*use one of expr, px/,
    ],
    [
      (p) =>
        ((p.grid as Record<string, unknown>).variants = [
          { name: 'x', headConfig: { preset: 'deep' } },
        ]),
      'E_BAD_OPTION',
      /variants\[0\]\.headConfig\.preset/,
    ],
    [
      (p) =>
        ((p.grid as Record<string, unknown>).variants = [
          { name: 'x', headConfig: { growthRate: 3 } },
        ]),
      'E_BAD_OPTION',
      /grid\.variants\[0\]\.headConfig \(densenet deep on expr\).*unknown option growthRate/,
    ],
    [
      (p) => ((p.groups as Record<string, unknown>).deep = { preset: 'deeep' }),
      'E_BAD_OPTION',
      /groups\.deep\.preset.*no run has preset "deeep".*use deep, shallow, paper/,
    ],
    [
      (p) => ((p.groups as Record<string, unknown>).all = { preset: 'deep' }),
      'E_BAD_OPTION',
      /"all" is implicit/,
    ],
    [
      (p) => ((p.inputs as Record<string, unknown>).px = { pixels: '48x48' }),
      'E_BAD_OPTION',
      /inputs\.px\.pixels.*not a shape/,
    ],
    [
      (p) => ((p.inputs as Record<string, unknown>).px = { pixels: '48x48x1', features: 'c' }),
      'E_BAD_OPTION',
      /exactly one of "features"/,
    ],
    [
      (p) => ((p.inputs as Record<string, unknown>).px = { pixels: '48x48x1', detectionRate: 90 }),
      'E_BAD_OPTION',
      /detectionRate must be a share from 0 to 1/,
    ],
    [
      (p) => ((p.defaults as Record<string, unknown>).augment = { flip: true }),
      'E_BAD_OPTION',
      /run densenet-deep-expr-s1 \(input expr\).*augment "flip" on feature inputs needs their mirrored view/,
    ],
    [
      (p) => ((p.defaults as Record<string, unknown>).averageFlip = true),
      'E_BAD_OPTION',
      /input expr.*"averageFlip" on feature inputs needs their mirrored view/,
    ],
    [
      (p) => ((p.inputs as Record<string, unknown>).px = { pixels: '48x48x1', mirror: 'c' }),
      'E_BAD_OPTION',
      /inputs\.px\.mirror goes with "features"/,
    ],
    [(p) => (p.name = 'my study'), 'E_BAD_OPTION', /name "my study" is not a usable name/],
    [(p) => delete p.triplets, 'E_BAD_OPTION', /needs "triplets"/],
    [(p) => delete p.grid, 'E_BAD_OPTION', /the plan has no runs/],
    [
      (p) => (p.runs = [{ head: 'fecnet', input: 'px' }]),
      'E_BAD_OPTION',
      /two runs are named fecnet-paper-px-s1/,
    ],
  ];
  for (const [edit, code, pattern] of cases) {
    const p = goodPlan();
    edit(p);
    throwsPlanError(() => parsePlan(p), code, pattern);
  }
});

test('docs/plans/fer-study.json: the five DenseNet heads deep and shallow and FECNet, then Viola-Jones and MTCNN preprocessing', async () => {
  const path = fileURLToPath(new URL('../../docs/plans/fer-study.json', import.meta.url));
  const plan = await loadPlan(path, { cwd: CWD });
  assert.equal(plan.runs.length, 23);
  const byInput = (name: string) => plan.runs.filter((r) => r.input.name === name).length;
  assert.deepEqual([byInput('expr'), byInput('mtcnn'), byInput('viola-jones')], [11, 6, 6]);
  assert.deepEqual(
    plan.runs.filter((r) => r.groups.includes('preprocessing-deep')).map((r) => r.name),
    [
      'less-densenet-deep-expr-s1',
      'less-densenet-deep-mtcnn-s1',
      'less-densenet-deep-viola-jones-s1',
    ],
  );
  assert.equal(plan.report, join(CWD, 'reports/fer-study'));
  assert.deepEqual(
    plan.runs.filter((r) => r.groups.includes('focused')).map((r) => r.name),
    [
      'attention-densenet-deep-expr-s1',
      'attention-densenet-shallow-expr-s1',
      'se-densenet-deep-expr-s1',
      'se-densenet-shallow-expr-s1',
    ],
  );
  assert.equal(plan.runs[10].name, 'fecnet-paper-expr-s1');
  assert.ok(plan.runs.every((r) => r.options.input.kind === 'features'));
  await assert.rejects(loadPlan(join(CWD, 'nope.json')), /cannot read the plan/);
});

test('tailLrScale is checked against each run’s head: kept with a tail, refused without one', () => {
  const plan = (headConfig: Record<string, unknown>) => ({
    name: 't',
    triplets: 'data/fer',
    defaults: { steps: 4, tailLrScale: 3 },
    inputs: { d2: { features: 'cache/fer-expr-d2' } },
    runs: [{ name: 'r', head: 'fecnet', input: 'd2', headConfig }],
  });
  const ok = parsePlan(plan({ tail: 'faceapi-expression-dense3' }), { cwd: CWD });
  assert.equal(ok.runs[0].options.tailLrScale, 3);
  throwsPlanError(
    () => parsePlan(plan({}), { cwd: CWD }),
    'E_BAD_OPTION',
    /run r/,
    /needs a head with a tail/,
  );
});
