import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTripletSplit, normalizeSplit, type SplitName } from '../src/data/index.js';
import { runCli, sharedDataOrSkip } from './helpers.js';

const { path: LABELS, skip } = sharedDataOrSkip('fer2013/labels.csv', 'the FER2013 triplets test');

test(
  'exprsim data triplets on the shared FER2013 labels.csv: counts, files, labels, disjoint splits',
  { skip },
  async () => {
    const out = await mkdtemp(join(tmpdir(), 'exprsim-fer-'));
    try {
      const r = await runCli(['data', 'triplets', '--labels', LABELS, '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      const printed: Record<string, number> = {};
      for (const m of r.stdout.matchAll(/^(train|val|test):\s+(\d+) triplets/gm))
        printed[m[1]] = Number(m[2]);
      assert.deepEqual(printed, { train: 50000, val: 5000, test: 5000 }, r.stdout);
      assert.match(r.stdout, /35887 images, 0 rows skipped, 0 missing files/);

      // The labels, read independently of the loader under test.
      const truth = new Map<string, { label: string; split: SplitName }>();
      for (const line of readFileSync(LABELS, 'utf8').trim().split('\n').slice(1)) {
        const [path, label, usage] = line.trim().split(',');
        truth.set(path, { label, split: normalizeSplit(usage) as SplitName });
      }
      const used = new Map<string, SplitName>();
      for (const split of ['train', 'val', 'test'] as const) {
        const t = await loadTripletSplit(out, split);
        assert.equal(t.rows.length, printed[split]);
        assert.equal(t.manifest.splits[split]?.count, printed[split]);
        const pairs = new Map<string, number>();
        const distinct = new Set<string>();
        for (const row of t.rows) {
          const [a, p, n] = [truth.get(row.a), truth.get(row.p), truth.get(row.n)];
          assert.ok(a && p && n, `keys are labels.csv paths: ${JSON.stringify(row)}`);
          assert.equal(a.label, p.label, 'anchor and positive share a label');
          assert.notEqual(n.label, a.label, 'the odd one out has another label');
          assert.notEqual(row.a, row.p);
          assert.deepEqual(
            [a.split, p.split, n.split],
            [split, split, split],
            'images come from their own split',
          );
          assert.equal(row.type, 'TWO_CLASS_TRIPLET');
          assert.equal(row.source, 'fer2013');
          for (const k of [row.a, row.p, row.n]) {
            const other = used.get(k);
            assert.ok(
              other === undefined || other === split,
              `${k} is in both ${other} and ${split}`,
            );
            used.set(k, split);
          }
          pairs.set(`${a.label}>${n.label}`, (pairs.get(`${a.label}>${n.label}`) ?? 0) + 1);
          distinct.add(`${[row.a, row.p].sort().join('|')}|${row.n}`);
        }
        assert.equal(distinct.size, t.rows.length, 'no repeated triplets');
        // 7 labels -> 42 ordered label pairs, each about 1/42 of the triplets (disgust included).
        assert.equal(pairs.size, 42);
        const expected = t.rows.length / 42;
        for (const [k, c] of pairs)
          assert.ok(
            Math.abs(c - expected) < expected * 0.35,
            `${split} ${k}: ${c} vs ${expected.toFixed(0)}`,
          );
      }
      // Every image used exists on disk (resolved through the manifest's source root).
      const t = await loadTripletSplit(out, 'val');
      for (const key of used.keys()) assert.ok(existsSync(t.resolve('fer2013', key)), key);
      assert.ok(used.size > 20000);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  },
);
