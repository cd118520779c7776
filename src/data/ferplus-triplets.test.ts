import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadTripletSplit, readDatasetManifest } from './dataset-manifest.js';
import { writeFerplusTriplets } from './ferplus-triplets.js';
import { judgeTriple, majorityOf, type GradedFace } from './graded-triplets.js';

const HEADER =
  'path,usage,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF';

/** Emotion counts (8), unknown, NF as a votes.csv row's ten counts. */
const counts = (emotions: number[], unknown = 0, nf = 0) =>
  [...emotions, ...new Array(8 - emotions.length).fill(0), unknown, nf].join(',');

/** 3 emotions x 9 faces (top votes 10..6, the rest on one of two other emotions) and a tie. */
function faceVotes(): [string, number[]][] {
  const faces: [string, number[]][] = [];
  for (let e = 0; e < 3; e++) {
    for (let top = 10; top >= 6; top--) {
      for (const second of top === 10 ? [e + 1] : [e + 1, e + 2]) {
        const c = new Array(8).fill(0);
        c[e] = top;
        c[second] += 10 - top;
        faces.push([`e${e}-${top}-${second}`, c]);
      }
    }
  }
  faces.push(['tied', [5, 5, 0, 0, 0, 0, 0, 0]]);
  return faces;
}

/**
 * A FER+-like set: per usage the faces of faceVotes(), and in Training the left-out cases: an NF vote, 3 unknown votes, only unknown votes,
 * a missing image; also one bad row and a face with 2 unknown votes (kept).
 */
async function makeVotes(dir: string): Promise<{ file: string; votes: Map<string, number[]> }> {
  const rows = [HEADER];
  const votes = new Map<string, number[]>();
  const add = async (
    usage: string,
    name: string,
    c: number[],
    unknown = 0,
    nf = 0,
    file = true,
  ) => {
    const key = `images/${usage}/${name}.png`;
    if (file) {
      await mkdir(join(dir, 'images', usage), { recursive: true });
      await writeFile(join(dir, key), 'png');
    }
    rows.push(`${key},${usage},${counts(c, unknown, nf)}`);
    votes.set(key, [...c, ...new Array(8 - c.length).fill(0)]);
  };
  for (const usage of ['Training', 'PublicTest']) {
    for (const [name, c] of faceVotes()) await add(usage, name, c);
  }
  await add('Training', 'nf1', [0, 9], 0, 1);
  await add('Training', 'unknown3', [7], 3);
  await add('Training', 'unknown2', [0, 0, 0, 8], 2);
  await add('Training', 'only-unknown', [], 10);
  await add('Training', 'missing', [0, 10], 0, 0, false);
  rows.push('images/Training/bad.png,Training,1,2');
  const file = join(dir, 'votes.csv');
  await writeFile(file, `${rows.join('\n')}\n`);
  return { file, votes };
}

async function withVotes(
  fn: (dir: string, file: string, votes: Map<string, number[]>) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-fpt-'));
  try {
    const { file, votes } = await makeVotes(join(dir, 'ferplus'));
    await fn(dir, file, votes);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('writes train and val (no test: no PrivateTest), left-out faces by reason, the rule on every row', async () => {
  await withVotes(async (dir, file, votes) => {
    const out = join(dir, 'out');
    const r = await writeFerplusTriplets({
      votes: file,
      outDir: out,
      counts: { train: 40, val: 10 },
      seed: 2,
    });
    assert.deepEqual(r.counts, { train: 40, val: 10 });
    assert.equal(existsSync(join(out, 'test.jsonl')), false);
    const m = await readDatasetManifest(out);
    assert.deepEqual(Object.keys(m.splits), ['train', 'val']);
    await assert.rejects(loadTripletSplit(out, 'test'), {
      code: 'E_BAD_OPTION',
      message: /no test split/,
    });
    assert.equal(m.sources.ferplus.kind, 'ferplus-votes');
    assert.equal(m.sources.ferplus.rootFromManifest, '../ferplus');
    // Left out, by reason (the face with only unknown votes is over maxUnknown first).
    const left = Object.fromEntries(Object.entries(r.leftOut).map(([k, t]) => [k, t.count]));
    assert.deepEqual(left, { nf: 1, unknown: 2, noVotes: 0, missingFile: 1 });
    assert.deepEqual(
      r.leftOut.unknown.first.map((s) => s.item),
      ['images/Training/unknown3.png', 'images/Training/only-unknown.png'],
    );
    assert.match(r.leftOut.nf.first[0].reason, /1 "not a face" vote \(at most 0 kept\)/);
    assert.equal(r.files[0].skipped.count, 1);
    const train = r.splits.train;
    assert.ok(train);
    assert.equal(train.faces, 33);
    assert.equal(train.usable, 29, '28 + the face with 2 unknown votes');
    assert.deepEqual(train.classes, {
      neutral: 9,
      happiness: 9,
      surprise: 9,
      sadness: 1,
      anger: 0,
      disgust: 0,
      fear: 0,
      contempt: 0,
      tied: 1,
    });
    assert.deepEqual(train.leftOut, { nf: 1, unknown: 2, noVotes: 0, missingFile: 1 });
    assert.equal(r.splits.val?.usable, 28);
    assert.deepEqual(r.splits.val?.leftOut, { nf: 0, unknown: 0, noVotes: 0, missingFile: 0 });
    // Half one-class, by default.
    assert.equal(train.types.ONE_CLASS_TRIPLET, 20);
    assert.equal(train.types.TWO_CLASS_TRIPLET + train.types.THREE_CLASS_TRIPLET, 20);
    assert.equal(m.splits.train?.count, 40);

    for (const split of ['train', 'val'] as const) {
      const t = await loadTripletSplit(out, split);
      assert.equal(t.rows.length, r.counts[split]);
      const usage = split === 'train' ? 'Training' : 'PublicTest';
      // One-class and mixed rows interleaved: the first half is not all one type.
      const firstHalf = new Set(t.rows.slice(0, t.rows.length / 2).map((row) => row.type));
      assert.ok(firstHalf.size > 1, `${split}: rows are shuffled`);
      for (const row of t.rows) {
        assert.equal(row.source, 'ferplus');
        const three = [row.a, row.p, row.n].map((key) => {
          assert.ok(key.startsWith(`images/${usage}/`), `${key} is a ${usage} face`);
          assert.ok(existsSync(t.resolve('ferplus', key)), key);
          const c = votes.get(key) as number[];
          return { key, counts: c, majority: majorityOf(c) } as GradedFace;
        }) as [GradedFace, GradedFace, GradedFace];
        const j = judgeTriple(three);
        assert.deepEqual([j.anchor, j.positive, j.negative], [0, 1, 2]);
        assert.ok(j.margin >= 0.3 - 1e-9 && row.agreement >= 0.3, JSON.stringify(row));
      }
    }
  });
});

test('thresholds: maxNf and maxUnknown let those faces in; a face without emotion votes stays out', async () => {
  await withVotes(async (dir, file) => {
    const r = await writeFerplusTriplets({
      votes: [file],
      outDir: join(dir, 'out'),
      counts: { train: 10, val: 5 },
      maxNf: 1,
      maxUnknown: 10,
    });
    const left = Object.fromEntries(Object.entries(r.leftOut).map(([k, t]) => [k, t.count]));
    assert.deepEqual(left, { nf: 0, unknown: 0, noVotes: 1, missingFile: 1 });
    assert.equal(r.splits.train?.usable, 31);
    assert.equal(r.leftOut.missingFile.first[0].item, 'images/Training/missing.png');
  });
});

test('deterministic by seed; the one-class share', async () => {
  await withVotes(async (dir, file) => {
    const run = async (name: string, seed: number, oneClassShare?: number) => {
      const out = join(dir, name);
      const r = await writeFerplusTriplets({
        votes: file,
        outDir: out,
        counts: { train: 30, val: 6 },
        seed,
        oneClassShare,
      });
      return { r, text: await readFile(join(out, 'train.jsonl'), 'utf8') };
    };
    const a = await run('a', 9);
    const b = await run('b', 9);
    const c = await run('c', 10);
    assert.equal(a.text, b.text);
    assert.notEqual(a.text, c.text);
    assert.equal(a.text.trim().split('\n').length, 30);
    assert.equal((await run('none', 9, 0)).r.splits.train?.types.ONE_CLASS_TRIPLET, 0);
    // All one-class: fewer clear one-class face sets than asked, reported as a shortfall.
    const all = (await run('all', 9, 1)).r.splits.train;
    assert.ok(all && all.types.ONE_CLASS_TRIPLET > 0);
    assert.equal(all.types.TWO_CLASS_TRIPLET + all.types.THREE_CLASS_TRIPLET, 0);
    assert.equal(all.oneClass.shortfall, 30 - all.written);
    const q = (await run('quarter', 9, 0.2)).r.splits.train;
    assert.equal(q?.types.ONE_CLASS_TRIPLET, 6);
    assert.equal(q?.oneClass.requested, 6);
    assert.equal(q?.mixed.requested, 24);
  });
});

test('no triplet at all is E_DATA_EMPTY and writes nothing', async () => {
  await withVotes(async (dir, file) => {
    const out = join(dir, 'out');
    await assert.rejects(
      writeFerplusTriplets({ votes: file, outDir: out, counts: { train: 0, val: 0 } }),
      { code: 'E_DATA_EMPTY', message: /no triplets/ },
    );
    assert.equal(existsSync(out), false);
    // All images missing: the fix says so.
    const lone = join(dir, 'lone', 'votes.csv');
    await mkdir(dirname(lone));
    await writeFile(
      lone,
      `${HEADER}\n${['a', 'b', 'c', 'd'].map((n) => `x/${n}.png,Training,${counts([0, 10])}`).join('\n')}\n`,
    );
    await assert.rejects(
      writeFerplusTriplets({ votes: lone, outDir: out }),
      (e: Error & { code?: string; fix?: string }) => {
        assert.equal(e.code, 'E_DATA_EMPTY');
        assert.match(e.message, /4 missingFile/);
        assert.match(e.fix ?? '', /most images are missing, e\.g\. x\/a\.png \(line 2\)/);
        return true;
      },
    );
  });
});

test('several label.csv files: one source rooted at their common folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-fpl-'));
  try {
    const files: string[] = [];
    for (const folder of ['FER2013Train', 'FER2013Valid']) {
      await mkdir(join(dir, 'data', folder), { recursive: true });
      const lines: string[] = [];
      for (const [face, c] of faceVotes()) {
        const name = `fer-${face}.png`;
        await writeFile(join(dir, 'data', folder, name), 'png');
        lines.push(`${name},"(0, 0, 48, 48)",${counts(c)}`);
      }
      files.push(join(dir, 'data', folder, 'label.csv'));
      await writeFile(files[files.length - 1], `${lines.join('\n')}\n`);
    }
    const out = join(dir, 'out');
    const r = await writeFerplusTriplets({
      votes: files,
      outDir: out,
      counts: { train: 8, val: 4 },
    });
    assert.deepEqual(
      r.files.map((f) => [f.layout, f.faces]),
      [
        ['label-csv', 28],
        ['label-csv', 28],
      ],
    );
    assert.deepEqual(r.counts, { train: 8, val: 4 });
    const m = await readDatasetManifest(out);
    assert.equal(m.sources.ferplus.rootFromManifest, '../data');
    const t = await loadTripletSplit(out, 'val');
    for (const row of t.rows) {
      assert.match(row.a, /^FER2013Valid\/fer-/);
      assert.ok(existsSync(t.resolve('ferplus', row.n)));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bad options are E_BAD_OPTION naming the option key', async () => {
  for (const [key, value] of [
    ['oneClassShare', 1.5],
    ['minMargin', -0.1],
    ['maxNf', 0.5],
    ['maxUnknown', -1],
  ] as const) {
    await assert.rejects(
      writeFerplusTriplets({ votes: 'votes.csv', outDir: 'out', [key]: value }),
      (e: Error & { code?: string; option?: string }) => {
        assert.equal(e.code, 'E_BAD_OPTION');
        assert.equal(e.option, key);
        assert.match(e.message, new RegExp(`^\`${key}\` must be`));
        return true;
      },
    );
  }
  await assert.rejects(
    writeFerplusTriplets({ votes: 'votes.csv', outDir: 'out', counts: { train: -1 } }),
    { code: 'E_BAD_OPTION' },
  );
});

test('an existing triplet set is refused before the votes are read; overwrite replaces it whole', async () => {
  await withVotes(async (dir, file) => {
    const out = join(dir, 'out');
    await mkdir(out);
    await writeFile(join(out, 'dataset.json'), '{}');
    await writeFile(join(out, 'test.jsonl'), 'old');
    const counts = { train: 10, val: 5 };
    await assert.rejects(writeFerplusTriplets({ votes: file, outDir: out, counts }), {
      code: 'E_BAD_OPTION',
      option: 'overwrite',
      message: /already holds a triplet set \(dataset\.json, test\.jsonl\)/,
    });
    // Refused before reading: even a missing vote file is not reached.
    await assert.rejects(
      writeFerplusTriplets({ votes: join(dir, 'nope.csv'), outDir: out, counts }),
      { code: 'E_BAD_OPTION', option: 'overwrite' },
    );
    const r = await writeFerplusTriplets({ votes: file, outDir: out, counts, overwrite: true });
    assert.deepEqual(r.counts, counts);
    assert.equal(existsSync(join(out, 'test.jsonl')), false, 'the old split is gone');
    assert.deepEqual(Object.keys((await readDatasetManifest(out)).splits), ['train', 'val']);
  });
});
