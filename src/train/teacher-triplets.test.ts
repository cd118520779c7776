import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine } from '../engine/backend.js';
import { loadTripletSplit } from '../data/dataset-manifest.js';
import { voteDistance } from '../data/graded-triplets.js';
import { backboneOutputEmbedder } from '../embed/embedders.js';
import { makeTempDir, removeDir } from '../../test/fixtures/images/helpers.js';
import { makeSyntheticDataset } from '../../test/fixtures/train/synthetic.js';
import { writeTeacherTriplets } from './teacher-triplets.js';

await initEngine();
const dir = await makeTempDir('exprsim-teacher-');
test.after(() => removeDir(dir));
const { triplets } = await makeSyntheticDataset(dir, { perLabel: { train: 5, val: 3, test: 3 } });

test("teacher triplets follow the rule on the teacher's own probabilities", async () => {
  const out = join(dir, 'teacher');
  const r = await writeTeacherTriplets({
    from: triplets,
    outDir: out,
    counts: { train: 30, val: 0 },
    minMargin: 0.05,
    seed: 2,
  });
  assert.equal(r.teacher, 'faceapi-expression');
  assert.deepEqual(Object.keys(r.splits), ['train']);
  const split = await loadTripletSplit(out, 'train');
  assert.ok(split.rows.length > 0 && split.rows.length <= 30);
  assert.equal(split.rows.length, r.splits.train?.count);
  // The teacher scored independently: every row's closest pair is anchor and positive, by at
  // least the margin, and `agreement` is that margin.
  const paths = [...new Set(split.rows.flatMap((x) => [x.a, x.p, x.n]))].map((k) =>
    split.resolve(split.rows[0].source, k),
  );
  for (const p of paths) assert.ok(existsSync(p), p);
  const teacher = await backboneOutputEmbedder('faceapi-expression');
  const { data, dim } = await teacher.embed(paths);
  teacher.dispose();
  const probs = new Map(
    paths.map((p, i) => [p, Array.from(data.subarray(i * dim, (i + 1) * dim))]),
  );
  for (const row of split.rows) {
    const [a, p, n] = [row.a, row.p, row.n].map((k) => probs.get(split.resolve(row.source, k))!);
    const ap = voteDistance(a, p);
    const next = Math.min(voteDistance(a, n), voteDistance(p, n));
    assert.ok(ap < next, `closest pair first: ${ap} vs ${next}`);
    assert.ok(next - ap >= 0.05 - 1e-6);
    assert.ok(Math.abs(row.agreement - (next - ap)) < 1e-3, `${row.agreement} vs ${next - ap}`);
    const top = (v: number[]) => v.indexOf(Math.max(...v));
    const one = new Set([a, p, n].map(top)).size === 1;
    assert.equal(row.type === 'ONE_CLASS_TRIPLET', one);
  }
});

test('an unknown teacher and nothing to write are clear errors', async () => {
  await assert.rejects(
    writeTeacherTriplets({
      from: triplets,
      outDir: join(dir, 'x'),
      teacher: 'gpt',
      counts: { train: 5 },
    }),
    { code: 'E_UNKNOWN_NAME', option: 'teacher' },
  );
  await assert.rejects(
    writeTeacherTriplets({ from: triplets, outDir: join(dir, 'y'), counts: { train: 0 } }),
    { code: 'E_BAD_OPTION', option: 'counts' },
  );
});
