import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFerplusVotes } from './ferplus-votes.js';

const COUNTS = 'neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-fpv-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('votes.csv: columns in any order and case, CRLF, bad rows counted with line numbers', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'votes.csv');
    const header = `Usage,PATH,${COUNTS.toUpperCase()}`;
    const lines = [
      header,
      'Training,images/Training/a.png,4,0,0,1,3,2,0,0,0,0', // 2
      '', // 3: blank, skipped silently
      'PublicTest,./images/PublicTest/b.png,0,10,0,0,0,0,0,0,0,0', // 4
      'Training,images/Training/c.png,1,2,3', // 5: too few fields
      'Training,images/Training/d.png,x,0,0,0,0,0,0,0,0,0', // 6: not a count
      'Training,images/Training/e.png,-1,0,0,0,0,0,0,0,0,0', // 7: negative
      'Elsewhere,images/Training/f.png,1,0,0,0,0,0,0,0,0,0', // 8: unknown usage
      'Training,,1,0,0,0,0,0,0,0,0,0', // 9: no path
      'Training,images/Training/a.png,1,0,0,0,0,0,0,0,0,0', // 10: again
      'PrivateTest,images/PrivateTest/g.png,0,0,0,0,0,0,0,1,7,2', // 11
    ];
    await writeFile(file, `\ufeff${lines.join('\r\n')}\r\n`);
    const r = await readFerplusVotes(file);
    assert.equal(r.layout, 'votes-csv');
    assert.equal(r.rows, 9, 'data rows, the blank line not counted');
    assert.deepEqual(
      r.faces.map((f) => [f.key, f.split, f.line, f.unknown, f.nf]),
      [
        ['images/Training/a.png', 'train', 2, 0, 0],
        ['images/PublicTest/b.png', 'val', 4, 0, 0],
        ['images/PrivateTest/g.png', 'test', 11, 7, 2],
      ],
    );
    assert.deepEqual(r.faces[0].counts, [4, 0, 0, 1, 3, 2, 0, 0]);
    assert.deepEqual(r.faces[2].counts, [0, 0, 0, 0, 0, 0, 0, 1]);
    assert.equal(r.skipped.count, 6);
    assert.deepEqual(
      r.skipped.first.map((s) => s.line),
      [5, 6, 7, 8, 9, 10],
    );
    assert.match(r.skipped.first[0].reason, /has 5 fields, expected 12/);
    assert.match(r.skipped.first[1].reason, /neutral count "x" is not a whole number/);
    assert.match(r.skipped.first[3].reason, /unknown usage "Elsewhere"/);
    assert.match(r.skipped.first[5].reason, /listed again \(first on line 2\)/);
  });
});

test('votes.csv: wrong columns are E_DATA_FORMAT naming the file and the expected columns', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'votes.csv');
    await writeFile(file, `path,usage,neutral,happy,surprise\nx.png,Training,1,2,3\n`);
    await assert.rejects(readFerplusVotes(file), (e: Error & { code?: string; input?: string }) => {
      assert.equal(e.code, 'E_DATA_FORMAT');
      assert.equal(e.input, file);
      assert.match(e.message, /missing happiness, sadness, anger, .*unexpected "happy"/);
      assert.match(e.message, new RegExp(`expected the columns path,usage,${COUNTS}`));
      return true;
    });
    await writeFile(file, 'emotion,pixels,Usage\n0,1 2 3,Training\n');
    await assert.rejects(readFerplusVotes(file), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'E_DATA_FORMAT');
      assert.match(e.message, /not a FER\+ vote file.*Usage,Image name,.*label\.csv/);
      return true;
    });
    await writeFile(file, '\n\n');
    await assert.rejects(readFerplusVotes(file), { code: 'E_DATA_EMPTY' });
    await writeFile(file, `path,usage,${COUNTS}\n`);
    await assert.rejects(readFerplusVotes(file), { code: 'E_DATA_EMPTY' });
  });
});

test("fer2013new.csv: FERPlus's folders per usage, rows FER+ dropped counted apart", async () => {
  await withDir(async (dir) => {
    const rows = [
      `Usage,Image name,${COUNTS}`,
      'Training,fer0000000.png,4,0,0,1,3,2,0,0,0,0',
      'Training,,0,0,0,0,0,0,0,0,0,10', // dropped by FER+ (not a face)
      'PublicTest,fer0028638.png,4,0,0,0,1,0,0,4,1,0',
      'PrivateTest,fer0032220.png,0,10,0,0,0,0,0,0,0,0',
      'Validation?,fer0032221.png,0,10,0,0,0,0,0,0,0,0',
    ];
    const file = join(dir, 'fer2013new.csv');
    await writeFile(file, `${rows.join('\n')}\n`);
    // Without the folders beside it (or in data/), keys are relative to the file's folder.
    let r = await readFerplusVotes(file);
    assert.equal(r.layout, 'fer2013new');
    assert.deepEqual(
      r.faces.map((f) => [f.key, f.split]),
      [
        ['FER2013Train/fer0000000.png', 'train'],
        ['FER2013Valid/fer0028638.png', 'val'],
        ['FER2013Test/fer0032220.png', 'test'],
      ],
    );
    assert.equal(r.droppedByFerplus.count, 1);
    assert.equal(r.droppedByFerplus.first[0].line, 3);
    assert.equal(r.skipped.count, 1);
    assert.equal(r.skipped.first[0].line, 6);
    // The FERPlus repository's layout: images under data/.
    await mkdir(join(dir, 'data', 'FER2013Train'), { recursive: true });
    r = await readFerplusVotes(file);
    assert.equal(r.faces[0].key, 'data/FER2013Train/fer0000000.png');
    // Or wherever `imagesDir` says, keys still relative to `root`.
    r = await readFerplusVotes(file, { imagesDir: join(dir, 'elsewhere') });
    assert.equal(r.faces[1].key, 'elsewhere/FER2013Valid/fer0028638.png');
  });
});

test('label.csv: no header, quoted box, split from the folder name, images beside it', async () => {
  await withDir(async (dir) => {
    const valid = join(dir, 'FER2013Valid');
    await mkdir(valid);
    const file = join(valid, 'label.csv');
    await writeFile(
      file,
      [
        'fer0028638.png,"(0, 0, 48, 48)",4,0,0,0,1,0,0,4,1,0',
        'fer0028639.png,"(0, 0, 48)",1,0,0,1,0,2,0,6,0,0', // bad box
        'fer0028640.png,"(0, 0, 48, 48)",7,0,0,0,2,0,0,1,0', // 11 fields
        'fer0028641.png,"(0, 0, 48, 48)",5,5,0,0,0,0,0,0,0,0',
        '',
      ].join('\n'),
    );
    const r = await readFerplusVotes(file, { root: dir });
    assert.equal(r.layout, 'label-csv');
    assert.deepEqual(
      r.faces.map((f) => [f.key, f.split, f.line]),
      [
        ['FER2013Valid/fer0028638.png', 'val', 1],
        ['FER2013Valid/fer0028641.png', 'val', 4],
      ],
    );
    assert.deepEqual(r.faces[0].counts, [4, 0, 0, 0, 1, 0, 0, 4]);
    assert.equal(r.faces[0].unknown, 1);
    assert.deepEqual(
      r.skipped.first.map((s) => [s.line, s.reason.slice(0, 12)]),
      [
        [2, 'box "(0, 0, '],
        [3, 'has 11 field'],
      ],
    );
    // Keys default to the file's own folder.
    assert.equal((await readFerplusVotes(file)).faces[0].key, 'fer0028638.png');
  });
});

test('label.csv: older copies without a box; a folder that does not name the split needs `split`', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'label.csv');
    await writeFile(file, 'a.png,0,10,0,0,0,0,0,0,0,0\nb.png,1,9,0,0,0,0,0,0,0,0\n');
    await assert.rejects(
      readFerplusVotes(file),
      (e: Error & { code?: string; option?: string }) => {
        assert.equal(e.code, 'E_BAD_OPTION');
        assert.equal(e.option, 'split');
        assert.match(e.message, /cannot tell the split .* pass `split`/);
        return true;
      },
    );
    const r = await readFerplusVotes(file, { split: 'train' });
    assert.deepEqual(
      r.faces.map((f) => [f.key, f.split, f.counts[1]]),
      [
        ['a.png', 'train', 10],
        ['b.png', 'train', 9],
      ],
    );
  });
});
