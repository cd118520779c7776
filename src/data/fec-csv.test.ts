import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFecCsv } from './fec-csv.js';
import type { FecRow } from './fec-row.js';

const SAMPLE = fileURLToPath(new URL('../../test/fixtures/fec/sample.csv', import.meta.url));

async function read(path: string) {
  const rows: FecRow[] = [];
  const summary = await readFecCsv(path, { onRow: (r) => void rows.push(r) });
  return { rows, summary };
}

async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-fec-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the fixture: 6 valid rows, 12 bad rows with line numbers and reasons, 1 blank line', async () => {
  const { rows, summary } = await read(SAMPLE);
  assert.deepEqual(
    rows.map((r) => r.line),
    [1, 2, 3, 5, 17, 18],
  );
  assert.deepEqual(
    rows.map((r) => r.ratings.length),
    [6, 6, 9, 6, 6, 9],
  );
  assert.equal(summary.rows, 6);
  assert.equal(summary.badRows, 12);
  assert.equal(summary.blankLines, 1);
  assert.equal(summary.lines, 19);
  const bad = new Map(summary.firstBadRows.map((b) => [b.line, b.reason]));
  assert.deepEqual([...bad.keys()], [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 19]);
  assert.match(bad.get(6) as string, /has 10 fields/);
  assert.match(bad.get(7) as string, /odd number/);
  assert.match(bad.get(8) as string, /image 1 URL \(column 1\) is not an http\(s\) URL/);
  assert.match(bad.get(9) as string, /image 2 top \(column 9\) is not a number: "abc"/);
  assert.match(bad.get(10) as string, /image 3 right \(column 13\) is 1.2, outside \[0, 1\]/);
  assert.match(bad.get(11) as string, /image 1 box has left 0.6 >= right 0.2/);
  assert.match(bad.get(12) as string, /image 2 box has top 0.8 >= bottom 0.2/);
  assert.match(bad.get(13) as string, /unknown triplet type "FOUR_CLASS_TRIPLET"/);
  assert.match(bad.get(14) as string, /annotation of rater "r102" \(column 20\) is "4"/);
  assert.match(bad.get(15) as string, /empty rater id \(column 21\)/);
  assert.match(bad.get(16) as string, /unterminated quoted field in column 28/);
  assert.match(bad.get(19) as string, /text after the closing quote of column 1/);
  // Quoted and unquoted URLs read the same; "0.20" is 0.2.
  assert.equal(
    rows[0].faces[0].url,
    'http://farm4.staticflickr.com/3679/11023012013_5ed5d0a4d6_b.jpg',
  );
  assert.equal(
    rows[2].faces[0].url,
    'http://farm8.staticflickr.com/7357/9043405543_cb4b8a5a7c_b.jpg',
  );
  assert.deepEqual(rows[5].faces[0].box, rows[0].faces[0].box);
  assert.deepEqual(rows[2].faces[0].box, { left: 0.1, right: 0.4, top: 0.1, bottom: 0.5 });
});

test('onBadRow sees every bad row; keepBadRows limits only the summary', async () => {
  const seen: number[] = [];
  const s = await readFecCsv(SAMPLE, { keepBadRows: 2, onBadRow: (b) => seen.push(b.line) });
  assert.equal(seen.length, 12);
  assert.deepEqual(
    s.firstBadRows.map((b) => b.line),
    [6, 7],
  );
});

test('CRLF line endings, a BOM and trailing empty lines read the same as LF', async () => {
  await withTemp(async (dir) => {
    const lf = await readFile(SAMPLE, 'utf8');
    const crlf = join(dir, 'crlf.csv');
    await writeFile(crlf, `\uFEFF${lf.replace(/\n/g, '\r\n')}\r\n\r\n`);
    const a = await read(SAMPLE);
    const b = await read(crlf);
    assert.deepEqual(b.rows, a.rows);
    assert.equal(b.summary.badRows, 12);
    assert.equal(b.summary.blankLines, 3);
    assert.equal(b.rows[0].ratings[5].annotation, 1, 'no \\r left on the last field');
  });
});

test('an empty or blank file is a clear E_DATA_EMPTY; a missing one E_FILE_NOT_FOUND', async () => {
  await withTemp(async (dir) => {
    for (const [name, text] of [
      ['empty.csv', ''],
      ['blank.csv', '\n\r\n  \n'],
    ]) {
      const p = join(dir, name);
      await writeFile(p, text);
      await assert.rejects(readFecCsv(p), (e: Error & { code?: string; input?: string }) => {
        assert.equal(e.code, 'E_DATA_EMPTY');
        assert.equal(e.input, p);
        assert.match(e.message, /FEC CSV is empty/);
        return true;
      });
    }
    await assert.rejects(readFecCsv(join(dir, 'nope.csv')), { code: 'E_FILE_NOT_FOUND' });
    await assert.rejects(readFecCsv(dir), { code: 'E_IO' });
  });
});

test('a file of only bad rows is not an error: the summary says 0 rows', async () => {
  await withTemp(async (dir) => {
    const p = join(dir, 'bad.csv');
    await writeFile(p, 'url,box\nnot,a,row\n');
    const s = await readFecCsv(p);
    assert.equal(s.rows, 0);
    assert.equal(s.badRows, 2);
  });
});
