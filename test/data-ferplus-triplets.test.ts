import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTripletSplit, readDatasetManifest } from '../src/data/index.js';
import { runCli, sharedDataOrSkip } from './helpers.js';

const { path: VOTES, skip } = sharedDataOrSkip(
  'ferplus/votes.csv',
  'the FER+ graded triplets test',
);

interface Votes {
  usage: string;
  emotions: number[];
  unknown: number;
  nf: number;
}

/** votes.csv read here, independently of the reader under test. */
function readVotes(): Map<string, Votes> {
  const m = new Map<string, Votes>();
  for (const line of readFileSync(VOTES, 'utf8').trim().split(/\r?\n/).slice(1)) {
    const [path, usage, ...c] = line.split(',');
    const n = c.map(Number);
    m.set(path, { usage, emotions: n.slice(0, 8), unknown: n[8], nf: n[9] });
  }
  return m;
}

/** Total variation between two vote distributions. */
function tv(a: number[], b: number[]): number {
  const sa = a.reduce((s, x) => s + x, 0);
  const sb = b.reduce((s, x) => s + x, 0);
  return a.reduce((s, x, i) => s + Math.abs(x / sa - b[i] / sb), 0) / 2;
}

function majority(c: number[]): string {
  const top = Math.max(...c);
  return c.filter((x) => x === top).length === 1 ? String(c.indexOf(top)) : 'tie';
}

test(
  'exprsim data ferplus-triplets on the shared votes.csv: counts, types, left-out faces, the rule, files',
  { skip },
  async () => {
    const out = await mkdtemp(join(tmpdir(), 'exprsim-ferplus-'));
    try {
      const r = await runCli([
        'data',
        'ferplus-triplets',
        '--votes',
        VOTES,
        '--out',
        out,
        '--train',
        '600',
        '--val',
        '200',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const printed: Record<string, number> = {};
      for (const m of r.stdout.matchAll(/^(train|val|test):\s+(\d+) triplets/gm))
        printed[m[1]] = Number(m[2]);
      assert.deepEqual(printed, { train: 600, val: 200 }, r.stdout);
      const oneClass = [
        ...r.stdout.matchAll(/types: one-class (\d+), two-class (\d+), three-class (\d+)/g),
      ];
      assert.deepEqual(
        oneClass.map((m) => [Number(m[1]), Number(m[2]) + Number(m[3])]),
        [
          [300, 300],
          [100, 100],
        ],
      );

      const votes = readVotes();
      const nf = [...votes.values()].filter((v) => v.nf > 0).length;
      const unknown = [...votes.values()].filter((v) => v.nf === 0 && v.unknown >= 3).length;
      assert.match(
        r.stdout,
        new RegExp(
          `left out: ${nf + unknown} faces \\(${nf} with NF votes, ${unknown} with unknown votes, 0 without emotion votes, 0 without an image file\\)`,
        ),
      );

      assert.equal(existsSync(join(out, 'test.jsonl')), false, 'no PrivateTest, no test split');
      const m = await readDatasetManifest(out);
      assert.deepEqual(Object.keys(m.splits), ['train', 'val']);
      for (const [split, usage] of [
        ['train', 'Training'],
        ['val', 'PublicTest'],
      ] as const) {
        const t = await loadTripletSplit(out, split);
        assert.equal(t.rows.length, printed[split]);
        const sets = new Set<string>();
        for (const row of t.rows) {
          const three = [row.a, row.p, row.n].map((k) => {
            const v = votes.get(k);
            assert.ok(v, `${k} is a votes.csv path`);
            assert.equal(v.usage, usage, `${k} is from ${usage}`);
            assert.ok(v.nf === 0 && v.unknown <= 2, `${k} should have been left out`);
            assert.ok(existsSync(t.resolve(row.source, k)), k);
            return v.emotions;
          });
          const [dap, dan, dpn] = [
            tv(three[0], three[1]),
            tv(three[0], three[2]),
            tv(three[1], three[2]),
          ];
          assert.ok(
            dap + 0.3 - 1e-9 <= Math.min(dan, dpn),
            `a and p are clearly closest: ${JSON.stringify(row)}`,
          );
          assert.ok(Math.abs(row.agreement - (Math.min(dan, dpn) - dap)) < 1e-4);
          const classes = new Set(
            three.map((c, i) => (majority(c) === 'tie' ? `tie${i}` : majority(c))),
          );
          assert.equal(
            row.type,
            ['', 'ONE_CLASS_TRIPLET', 'TWO_CLASS_TRIPLET', 'THREE_CLASS_TRIPLET'][classes.size],
          );
          sets.add([row.a, row.p, row.n].sort().join('|'));
        }
        assert.equal(sets.size, t.rows.length, 'no face set twice');
      }

      const j = await runCli([
        '--json',
        'data',
        'ferplus-triplets',
        '--votes',
        VOTES,
        '--out',
        join(out, 'json'),
        '--train',
        '40',
        '--val',
        '20',
        '--one-class-share',
        '0.25',
      ]);
      assert.equal(j.code, 0, j.stderr);
      const parsed = JSON.parse(j.stdout) as {
        counts: Record<string, number>;
        splits: Record<string, { types: Record<string, number> }>;
        leftOut: Record<string, { count: number }>;
      };
      assert.deepEqual(parsed.counts, { train: 40, val: 20 });
      assert.equal(parsed.splits.train.types.ONE_CLASS_TRIPLET, 10);
      assert.equal(parsed.leftOut.nf.count, nf);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  },
);

test('exprsim data ferplus-triplets: no triplet written is exit 1 with the reason', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-ferplus-none-'));
  try {
    await mkdir(join(dir, 'v'));
    const header =
      'path,usage,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF';
    const rows = ['a', 'b', 'c'].map((n) => `gone/${n}.png,Training,0,10,0,0,0,0,0,0,0,0`);
    await writeFile(join(dir, 'v', 'votes.csv'), `${[header, ...rows].join('\n')}\n`);
    const r = await runCli([
      'data',
      'ferplus-triplets',
      '--votes',
      join(dir, 'v', 'votes.csv'),
      '--out',
      join(dir, 'out'),
    ]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /no triplets: 3 faces with votes \(left out: 3 missingFile\)/);
    assert.match(r.stderr, /`--min-margin` 0\.3/, 'the option key is shown as its flag');
    assert.match(r.stderr, /most images are missing, e\.g\. gone\/a\.png/);
    assert.equal(existsSync(join(dir, 'out')), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
