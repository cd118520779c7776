import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadLabelsCsv } from './labels-csv.js';

async function withDataset(
  files: string[],
  csv: string,
  fn: (csvPath: string, dir: string) => Promise<void>,
) {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-labels-'));
  try {
    for (const f of files) {
      await mkdir(dirname(join(dir, f)), { recursive: true });
      await writeFile(join(dir, f), 'x');
    }
    await writeFile(join(dir, 'labels.csv'), csv);
    await fn(join(dir, 'labels.csv'), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('loads path,label,usage with paths relative to the CSV; Training/PublicTest/PrivateTest map to splits', async () => {
  const csv =
    'path,label,usage\r\nimages/a.jpg,happy,Training\r\n"images/b,1.jpg",sad,PublicTest\r\n./images/c.jpg,happy,PrivateTest\r\n';
  await withDataset(['images/a.jpg', 'images/b,1.jpg', 'images/c.jpg'], csv, async (p, dir) => {
    const ds = await loadLabelsCsv(p);
    assert.equal(ds.root, dir);
    assert.deepEqual(
      ds.images.map((i) => [i.key, i.label, i.split, i.line]),
      [
        ['images/a.jpg', 'happy', 'train', 2],
        ['images/b,1.jpg', 'sad', 'val', 3],
        ['images/c.jpg', 'happy', 'test', 4],
      ],
    );
    assert.equal(ds.hasSplits, true);
    assert.equal(ds.hasSubjects, false);
    assert.equal(ds.skipped.count + ds.missing.count, 0);
  });
});

test('columns in any order, split and subject optional', async () => {
  await withDataset(
    ['a.png', 'b.png'],
    'Subject,LABEL,Path\ns1,x,a.png\ns2,y,b.png\n',
    async (p) => {
      const ds = await loadLabelsCsv(p);
      assert.deepEqual(
        ds.images.map((i) => [i.key, i.label, i.subject, i.split]),
        [
          ['a.png', 'x', 's1', undefined],
          ['b.png', 'y', 's2', undefined],
        ],
      );
      assert.equal(ds.hasSubjects, true);
    },
  );
});

test('bad rows are skipped and counted with line numbers; missing files counted, or fatal with requireFiles', async () => {
  const csv = [
    'path,label,split',
    'a.jpg,x,train',
    'b.jpg,x', // too few fields
    ',x,train', // empty path
    'c.jpg,,train', // empty label
    'd.jpg,x,holdout', // unknown split
    'a.jpg,y,train', // duplicate
    'gone.jpg,y,test', // missing file
    'e.jpg,y,test',
    '',
  ].join('\n');
  await withDataset(['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e.jpg'], csv, async (p) => {
    const ds = await loadLabelsCsv(p);
    assert.deepEqual(
      ds.images.map((i) => i.key),
      ['a.jpg', 'e.jpg'],
    );
    assert.equal(ds.skipped.count, 5);
    assert.deepEqual(
      ds.skipped.first.map((s) => [s.line, s.reason.split(';')[0]]),
      [
        [3, 'has 2 fields, the header has 3'],
        [4, 'empty path'],
        [5, 'empty label'],
        [6, 'unknown split "holdout"'],
        [7, 'path listed again (first on line 2)'],
      ],
    );
    assert.deepEqual(ds.missing, {
      count: 1,
      first: [{ line: 8, item: 'gone.jpg', reason: 'no such file' }],
    });
    await assert.rejects(loadLabelsCsv(p, { requireFiles: true }), {
      code: 'E_DATA_MISSING_FILES',
      message: /1 listed image does not exist, e.g. gone.jpg \(line 8\)/,
    });
    const unchecked = await loadLabelsCsv(p, { checkFiles: false });
    assert.equal(unchecked.images.length, 3);
  });
});

test('a wrong header says which columns were expected; empty files are E_DATA_EMPTY', async () => {
  await withDataset([], 'file,emotion\na.jpg,x\n', async (p) => {
    await assert.rejects(loadLabelsCsv(p), {
      code: 'E_DATA_FORMAT',
      message:
        /missing columns path, label; unexpected columns "file", "emotion"; expected columns path,label\[,split\|usage\]\[,subject\]/,
    });
  });
  await withDataset([], 'path,label,usage,split\n', async (p) => {
    await assert.rejects(loadLabelsCsv(p), {
      code: 'E_DATA_FORMAT',
      message: /column split appears twice/,
    });
  });
  await withDataset([], 'path,label\n\n', async (p) => {
    await assert.rejects(loadLabelsCsv(p), {
      code: 'E_DATA_EMPTY',
      message: /labels CSV is empty/,
    });
  });
  await withDataset([], '', async (p) => {
    await assert.rejects(loadLabelsCsv(p), { code: 'E_DATA_EMPTY' });
  });
});
