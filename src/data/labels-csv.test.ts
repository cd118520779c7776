import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setLogSink } from '../core/logger.js';
import { loadLabelsCsv, outsideRootReason } from './labels-csv.js';

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

test('paths leading out of the CSV folder (.., absolute, a drive) fail the load naming the line and path', async () => {
  assert.equal(outsideRootReason('images/a.jpg'), undefined);
  assert.equal(outsideRootReason('a/../b.jpg'), undefined, 'stays inside');
  assert.equal(outsideRootReason('..a/b.jpg'), undefined, 'a name starting with dots');
  assert.equal(outsideRootReason('/etc/passwd'), 'an absolute path');
  assert.equal(outsideRootReason('C:/Windows/x.jpg'), 'an absolute path');
  assert.match(outsideRootReason('a/../../x.jpg') ?? '', /leading out/);
  const cases: [string, RegExp][] = [
    ['../../etc/passwd', /line 3: the image path "\.\.\/\.\.\/etc\/passwd" is a path leading out/],
    ['/etc/passwd', /line 3: the image path "\/etc\/passwd" is an absolute path/],
    [
      'a\\..\\..\\secret.jpg',
      /line 3: the image path "a\/\.\.\/\.\.\/secret\.jpg" is a path leading out/,
    ],
  ];
  for (const [bad, message] of cases) {
    await withDataset(['a.jpg'], `path,label\na.jpg,x\n${bad},y\n`, async (p, dir) => {
      await assert.rejects(
        loadLabelsCsv(p, { checkFiles: false }),
        (e: Error & { code?: string; input?: string; fix?: string }) => {
          assert.equal(e.code, 'E_OUTSIDE_ROOT');
          assert.match(e.message, message);
          assert.equal(e.input, p);
          assert.ok(e.fix?.includes(`relative to ${dir} `), e.fix);
          return true;
        },
      );
    });
  }
  // Inside after normalising: loaded.
  await withDataset(['b.jpg'], 'path,label\nsub/../b.jpg,x\n', async (p) => {
    const ds = await loadLabelsCsv(p);
    assert.deepEqual(
      ds.images.map((i) => i.key),
      ['sub/../b.jpg'],
    );
  });
});

test("extra columns (CK+'s path,label,subject,sequence,frame) are ignored, with one warning", async () => {
  const warnings: string[] = [];
  setLogSink((level, m) => {
    if (level === 'warn') warnings.push(m);
  });
  try {
    const csv =
      'path,label,subject,sequence,frame\na.png,anger,S011,004,19\nb.png,happy,S012,001,7\n';
    await withDataset(['a.png', 'b.png'], csv, async (p) => {
      const ds = await loadLabelsCsv(p);
      assert.deepEqual(
        ds.images.map((i) => [i.key, i.label, i.subject]),
        [
          ['a.png', 'anger', 'S011'],
          ['b.png', 'happy', 'S012'],
        ],
      );
      assert.deepEqual(ds.ignoredColumns, ['sequence', 'frame']);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0], /labels\.csv: ignoring columns "sequence", "frame"/);
    });
    warnings.length = 0;
    await withDataset(['a.png'], 'path,label\na.png,x\n', async (p) => {
      assert.equal((await loadLabelsCsv(p)).ignoredColumns, undefined);
      assert.deepEqual(warnings, []);
    });
  } finally {
    setLogSink(undefined);
  }
});

test('a CSV none of whose rows is usable fails: every row bad, or no listed image exists', async () => {
  await withDataset(['a.jpg'], 'path,label\na.jpg\nb.jpg\n', async (p) => {
    await assert.rejects(loadLabelsCsv(p), {
      code: 'E_DATA_FORMAT',
      message: /no usable rows: all 2 rows were skipped, e\.g\. line 2: has 1 fields/,
    });
  });
  await withDataset([], 'path,label\ngone.jpg,x\nlost.jpg,y\n', async (p) => {
    await assert.rejects(loadLabelsCsv(p), {
      code: 'E_DATA_MISSING_FILES',
      message: /none of the 2 listed images exists, e\.g\. gone\.jpg \(line 2\)/,
    });
    assert.equal((await loadLabelsCsv(p, { checkFiles: false })).images.length, 2);
  });
});
