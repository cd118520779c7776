import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { initEngine } from '../engine/backend.js';
import { loadRun, movingAverage } from '../experiment/runs.js';
import { writeReport } from './report.js';

await initEngine({ backend: 'cpu' });

const root = await mkdtemp(join(tmpdir(), 'exprsim-report-'));
test.after(() => rm(root, { recursive: true, force: true }));

/** A fake but well-formed run folder: config.json, metrics.jsonl, eval-test.json, run.json. */
async function fixtureRun(
  name: string,
  head: string,
  preset: string,
  vals: number[],
  test: { accuracy: number; ci: [number, number] } | undefined,
  meta: object,
): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  const config = {
    head: { name: head, config: { preset, inputMode: 'features', inputShape: [4, 4, 32] } },
    input: { kind: 'features', cache: `/caches/${name}-feat` },
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  const lines: string[] = [];
  for (let s = 1; s <= 100; s++) {
    lines.push(
      JSON.stringify({
        kind: 'step',
        step: s,
        loss: 1 / s,
        lr: 0.001,
        tripletsPerSec: 40 + (s % 3),
      }),
    );
    if (s % 25 === 0) {
      const a = vals[s / 25 - 1];
      lines.push(JSON.stringify({ kind: 'val', step: s, valLoss: 1 - a, valAccuracy: a }));
    }
  }
  await writeFile(join(dir, 'metrics.jsonl'), `${lines.join('\n')}\n`);
  if (test) {
    await writeFile(
      join(dir, 'eval-test.json'),
      JSON.stringify({
        triplets: 5000,
        tripletAccuracy: {
          ...test,
          count: 5000,
          byType: { TWO_CLASS_TRIPLET: { ...test, count: 5000 } },
        },
      }),
    );
  }
  await writeFile(join(dir, 'run.json'), JSON.stringify(meta));
  return dir;
}

const a = await fixtureRun(
  'se-shallow',
  'se-densenet',
  'shallow',
  [0.5, 0.55, 0.61, 0.6],
  { accuracy: 0.6123, ci: [0.6, 0.625] },
  { groups: ['shallow'], detector: 'mtcnn', detectionRate: 0.84 },
);
const b = await fixtureRun(
  'dense-deep',
  'densenet',
  'deep',
  [0.45, 0.52, 0.54, 0.58],
  { accuracy: 0.571, ci: [0.557, 0.585] },
  { groups: ['deep'], detector: 'viola-jones', detectionRate: 0.72 },
);

test('loadRun copies the numbers of metrics.jsonl and eval-test.json', async () => {
  const r = await loadRun(a);
  assert.equal(r.head, 'se-densenet');
  assert.equal(r.preset, 'shallow');
  assert.equal(r.steps, 100);
  assert.deepEqual(r.bestVal, { accuracy: 0.61, step: 75 });
  assert.equal(r.tripletsPerSec, 41); // median of 40, 41, 42 repeating
  assert.equal(r.test?.accuracy, 0.6123);
  assert.deepEqual([r.test?.low, r.test?.high], [0.6, 0.625]);
  assert.deepEqual(
    r.curves.valAccuracy.map((p) => p.y),
    [0.5, 0.55, 0.61, 0.6],
  );
  assert.equal(r.detectionRate, 0.84);
});

test('a run validated on a suite is scored by the suite mean, as train --val-suite picks', async () => {
  const dir = await fixtureRun('suite-run', 'fecnet', 'paper', [0.7, 0.6, 0.5, 0.5], undefined, {});
  // Rewrite its val records: the split's accuracy peaks at step 25, the suite mean at step 50.
  const lines = (await readFile(join(dir, 'metrics.jsonl'), 'utf8')).trim().split('\n');
  const means: Record<number, number> = { 25: 0.72, 50: 0.74, 75: 0.73, 100: 0.71 };
  const edited = lines.map((l) => {
    const r = JSON.parse(l) as { kind: string; step: number };
    return r.kind === 'val'
      ? JSON.stringify({ ...r, suite: { mean: means[r.step], sets: [] } })
      : l;
  });
  await writeFile(join(dir, 'metrics.jsonl'), `${edited.join('\n')}\n`);
  const r = await loadRun(dir);
  assert.equal(r.valMeasure, 'suite mean');
  assert.deepEqual(r.bestVal, { accuracy: 0.74, step: 50 });
  assert.deepEqual(
    r.curves.valAccuracy.map((p) => p.y),
    [0.72, 0.74, 0.73, 0.71],
  );
  assert.equal((await loadRun(a)).valMeasure, 'val split');
});

test('movingAverage by hand', () => {
  const pts = [1, 2, 3, 4, 5].map((y, x) => ({ x, y }));
  assert.deepEqual(
    movingAverage(pts, 3).map((p) => p.y),
    [1.5, 2, 3, 4, 4.5],
  );
  assert.deepEqual(movingAverage(pts, 1), pts);
});

test('writeReport: files exist, SVGs parse, the table shows the runs’ numbers', async () => {
  const out = join(root, 'report');
  const r = await writeReport([a, b], out, { title: 'fixture comparison', smoothing: 5 });
  const names = [
    'report.md',
    'report.html',
    'test-accuracy.svg',
    'test-accuracy.png',
    'val-accuracy-all.svg',
    'loss-all.png',
    'val-accuracy-shallow.svg',
    'val-accuracy-deep.svg',
    'detection-vs-accuracy.svg',
  ];
  for (const n of names) assert.ok(existsSync(join(out, n)), `${n} written`);
  assert.equal(r.files.length, new Set(r.files).size);
  for (const f of r.files.filter((x) => x.endsWith('.svg'))) {
    const svg = await readFile(f, 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const meta = await sharp(Buffer.from(svg)).metadata(); // librsvg parses it
    assert.equal(meta.format, 'svg');
    assert.ok((meta.width ?? 0) > 100);
  }
  const png = await sharp(join(out, 'test-accuracy.png')).metadata();
  assert.equal(png.format, 'png');
  const md = await readFile(join(out, 'report.md'), 'utf8');
  const row = md.split('\n').find((l) => l.startsWith('| se-shallow |')) ?? '';
  assert.match(row, /\| 61\.0 \(step 75\) \| 61\.2 \| 60\.0–62\.5 \|/);
  assert.match(row, /\| mtcnn \|/);
  assert.match(row, /\| 41\.0 \| 100 \|/);
  const cells = row.split('|').map((c) => c.trim());
  assert.notEqual(cells[5], '–', 'parameters counted');
  assert.match(md, /!\[.*\]\(test-accuracy\.png\)/);
  const html = await readFile(join(out, 'report.html'), 'utf8');
  assert.match(html, /<td>61\.2<\/td>/);
});

test('writeReport names a folder that is not a run', async () => {
  await assert.rejects(
    writeReport([root], join(root, 'x')),
    (e: Error & { code?: string }) => e.code === 'E_DATA_FORMAT',
  );
});
