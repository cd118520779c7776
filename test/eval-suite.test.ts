// exprsim eval --suite: several triplet sets in one run. A photo set goes through the detector
// exactly as `exprsim embed` does (same accuracy as scoring embedFiles' output), triplets with a
// faceless image are left out and counted, the mean is the sets' mean and every margin is the
// paired difference on the same triplets. With ../shared, the dev suite's JAFFE photos too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import {
  embedFiles,
  evaluateCommand,
  formatEvalCommand,
  openFaceTools,
  tripletScore,
  type SuiteEvaluation,
} from '../src/index.js';
import { saveTestModel, writeFacePhotos } from './fixtures/search/model.js';
import { runCli, sharedDataOrSkip } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'exprsim-suite-'));
test.after(() => rm(dir, { recursive: true, force: true }));

interface Row {
  a: string;
  p: string;
  n: string;
}

/** Accuracy of L2 odd-one-out over `rows` from one embedding per image path. */
function accuracyOf(rows: Row[], root: string, emb: Map<string, Float32Array>): number {
  const d = (x: string, y: string) => {
    const u = emb.get(join(root, x)) as Float32Array;
    const v = emb.get(join(root, y)) as Float32Array;
    return u.reduce((s, ui, i) => s + (ui - v[i]) ** 2, 0);
  };
  return (
    rows.reduce((s, r) => s + tripletScore(d(r.a, r.p), d(r.a, r.n), d(r.p, r.n)), 0) / rows.length
  );
}

async function readRows(file: string): Promise<Row[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Row);
}

test('a suite scores each set, leaves faceless photos out, and its photo set matches exprsim embed', async () => {
  const model = await saveTestModel(join(dir, 'model'));
  const photos = await writeFacePhotos(join(dir, 'set', 'img'), 8);
  // A grey frame: no face, so its triplets leave the photo set (not the crop set).
  await sharp({ create: { width: 200, height: 200, channels: 3, background: '#777' } })
    .png()
    .toFile(join(dir, 'set', 'img', 'blank.png'));
  const labelled = [
    ...photos.map((p, i) => [p, i < 4 ? 'x' : 'y']),
    [join(dir, 'set', 'img', 'blank.png'), 'y'],
  ];
  await writeFile(
    join(dir, 'set', 'labels.csv'),
    ['path,label', ...labelled.map(([p, l]) => `img/${basename(p)},${l}`)].join('\n') + '\n',
  );
  const r = await runCli([
    'data',
    'triplets',
    '--labels',
    join(dir, 'set', 'labels.csv'),
    '--out',
    join(dir, 't'),
    '--split-ratios',
    '0,0,1',
    '--train-count',
    '0',
    '--val-count',
    '0',
    '--test-count',
    '40',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const suite = join(dir, 'suite.yaml');
  await writeFile(
    suite,
    [
      'name: tiny',
      'sets:',
      '  - { name: photos, triplets: t, split: test, detect: mtcnn }',
      '  - { name: crops, triplets: t, split: test }',
    ].join('\n'),
  );
  const res = await evaluateCommand({
    model,
    suite,
    versus: ['faceapi-expression'],
    baselineMargins: [0, 0.2],
  });
  assert.equal(res.kind, 'suite');
  const s = res as SuiteEvaluation & { kind: 'suite' };
  const rows = await readRows(join(dir, 't', 'test.jsonl'));
  const withBlank = rows.filter((x) => [x.a, x.p, x.n].includes('img/blank.png')).length;
  assert.ok(
    withBlank > 0 && withBlank < rows.length,
    'the fixture needs triplets with and without the blank',
  );
  const [ph, cr] = s.sets;
  assert.equal(ph.noFaceImages, 1);
  assert.equal(ph.noFaceTriplets, withBlank);
  assert.equal(ph.scored, rows.length - withBlank);
  assert.equal(cr.scored, rows.length);
  assert.equal(cr.noFaceImages, undefined);
  assert.ok(
    Math.abs(s.meanAccuracy - (ph.tripletAccuracy.accuracy + cr.tripletAccuracy.accuracy) / 2) <
      1e-12,
  );
  for (const set of s.sets) {
    const [m] = set.versus?.margins ?? [];
    assert.ok(m !== undefined, `${set.name}: a margin over face-api`);
    assert.ok(Math.abs(m.margin.difference - (set.tripletAccuracy.accuracy - m.accuracy)) < 1e-9);
    assert.ok(m.margin.ci[0] <= m.margin.difference && m.margin.difference <= m.margin.ci[1]);
    if (set === ph) assert.ok(m.boxMargin === 0 || m.boxMargin === 0.2);
    else assert.equal(m.boxMargin, undefined);
  }
  // The photo set as a user gets it: exprsim embed's path (detector, the model's record), face 0.
  const tools = await openFaceTools({ model, detector: 'mtcnn' });
  const out = await embedFiles(photos, tools.embedder, { detector: tools.detector });
  tools.dispose();
  const emb = new Map(out.faces.filter((f) => f.face === 0).map((f) => [f.file, f.embedding]));
  const faced = rows.filter((x) => ![x.a, x.p, x.n].includes('img/blank.png'));
  assert.ok(
    Math.abs(ph.tripletAccuracy.accuracy - accuracyOf(faced, join(dir, 'set'), emb)) < 1e-12,
  );
  const text = formatEvalCommand(res).join('\n');
  for (const w of [
    'photos',
    'crops',
    'mean over sets',
    'faceapi-expression-output',
    '1 images without a face',
  ])
    assert.ok(text.includes(w), `${w} in\n${text}`);
  // A type no triplet has: a clear error naming the set.
  await writeFile(
    suite,
    'sets:\n  - { name: one, triplets: t, split: test, types: [ONE_CLASS_TRIPLET] }\n',
  );
  await assert.rejects(
    evaluateCommand({ model, suite }),
    /set "one" has no ONE_CLASS_TRIPLET triplets/,
  );
});

test('eval takes one split or a suite, not both, and no split-only option with a suite', async () => {
  const base = { model: 'm' };
  await assert.rejects(evaluateCommand({ ...base, triplets: 't', suite: 's' }), {
    code: 'E_BAD_OPTION',
    option: 'suite',
  });
  await assert.rejects(evaluateCommand({ ...base, suite: 's', split: 'val' }), {
    code: 'E_BAD_OPTION',
    option: 'split',
  });
  await assert.rejects(evaluateCommand(base), { code: 'E_BAD_OPTION', option: 'triplets' });
  await assert.rejects(evaluateCommand({ ...base, triplets: 't', baselineMargins: [0] }), {
    code: 'E_BAD_OPTION',
    option: 'baselineMargins',
  });
  await assert.rejects(
    evaluateCommand({ ...base, suite: join(dir, 'none.json'), baselineMargins: [2] }),
    {
      option: 'baselineMargins',
    },
  );
});

const jaffe = sharedDataOrSkip('jaffe-dev/labels.csv', 'the jaffe-dev suite set');
test(
  'jaffe-dev photos: the suite scores what exprsim embed writes',
  { skip: jaffe.skip },
  async () => {
    const out = join(dir, 'jaffe');
    const r = await runCli([
      'data',
      'triplets',
      '--labels',
      jaffe.path,
      '--out',
      out,
      '--cross-subject',
      '--split-ratios',
      '0,0,1',
      '--train-count',
      '0',
      '--val-count',
      '0',
      '--test-count',
      '300',
    ]);
    assert.equal(r.code, 0, r.stderr);
    await writeFile(
      join(dir, 'jaffe.json'),
      JSON.stringify({
        sets: [{ name: 'jaffe', triplets: 'jaffe', split: 'test', detect: 'mtcnn' }],
      }),
    );
    const res = (await evaluateCommand({
      model: 'models/exprsim-default',
      suite: join(dir, 'jaffe.json'),
    })) as SuiteEvaluation;
    // `exprsim embed` on the same photos, scored on face 0 of each.
    const jsonl = join(dir, 'jaffe-emb.jsonl');
    const e = await runCli([
      'embed',
      join(jaffe.path, '..', 'png'),
      '--out',
      jsonl,
      '--detector',
      'mtcnn',
    ]);
    assert.equal(e.code, 0, e.stderr);
    const emb = new Map<string, Float32Array>();
    for (const l of (await readFile(jsonl, 'utf8')).split('\n').filter(Boolean)) {
      const o = JSON.parse(l) as { file: string; face: number; embedding: number[] };
      if (o.face === 0) emb.set(o.file, Float32Array.from(o.embedding));
    }
    const rows = await readRows(join(out, 'test.jsonl'));
    const [set] = res.sets;
    assert.equal(set.noFaceImages, 0);
    assert.ok(
      Math.abs(set.tripletAccuracy.accuracy - accuracyOf(rows, join(jaffe.path, '..'), emb)) < 1e-6,
    );
    // The shipped default with its framing: well above chance on photos.
    assert.ok(set.tripletAccuracy.accuracy > 0.6, String(set.tripletAccuracy.accuracy));
  },
);
