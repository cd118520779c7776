import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage } from '../image/read.js';
import { extractFer2013, readFer2013Csv, type Fer2013Face } from './fer2013-csv.js';
import { loadLabelsCsv } from './labels-csv.js';

const pixels = (f: (i: number) => number) =>
  Array.from({ length: 48 * 48 }, (_, i) => f(i)).join(' ');

async function withCsv(text: string, fn: (path: string, dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-fer-'));
  try {
    await writeFile(join(dir, 'fer2013.csv'), text);
    await fn(join(dir, 'fer2013.csv'), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const GOOD = [
  'emotion,pixels,Usage',
  `3,${pixels((i) => i % 256)},Training`,
  `0,"${pixels(() => 7)}",PublicTest`,
  `6,${pixels((i) => (i < 48 ? 255 : 0))},PrivateTest`,
];

test('reads faces: label names by index, splits, 48x48 pixels; bad rows skipped with line numbers', async () => {
  const text = [
    ...GOOD,
    `7,${pixels(() => 1)},Training`, // emotion out of range
    `1,${pixels(() => 1)} 5,Training`, // 2305 values
    `1,${pixels((i) => (i === 10 ? 256 : 1))},Training`, // 256
    `2,${pixels(() => 1)},Holdout`, // unknown usage
    '2,1 2 3', // 2 fields
  ].join('\r\n');
  await withCsv(text, async (p) => {
    const faces: Fer2013Face[] = [];
    const skipped: { line?: number; reason: string }[] = [];
    const r = await readFer2013Csv(
      p,
      (f) => void faces.push(f),
      (s) => skipped.push(s),
    );
    assert.deepEqual(r, { faces: 3, skipped: 5 });
    assert.deepEqual(
      faces.map((f) => [f.row, f.line, f.label, f.usage, f.split]),
      [
        [0, 2, 'happy', 'Training', 'train'],
        [1, 3, 'angry', 'PublicTest', 'val'],
        [2, 4, 'neutral', 'PrivateTest', 'test'],
      ],
    );
    assert.equal(faces[0].pixels.length, 2304);
    assert.equal(faces[0].pixels[300], 300 % 256);
    assert.deepEqual(
      skipped.map((s) => [s.line, s.reason.split(' (')[0].split(';')[0]]),
      [
        [5, 'emotion "7" is not an index 0-6'],
        [6, 'pixels has 2305 values, expected 2304'],
        [7, 'pixel 11 is "256", not an integer 0-255'],
        [8, 'unknown Usage "Holdout"'],
        [9, 'has 2 fields, expected 3'],
      ],
    );
  });
});

test('a wrong header or an empty file is a clear error', async () => {
  await withCsv('path,label,usage\na.jpg,happy,Training\n', async (p) => {
    await assert.rejects(
      readFer2013Csv(p, () => undefined),
      { code: 'E_DATA_FORMAT', message: /expected the columns emotion,pixels,Usage/ },
    );
  });
  await withCsv('', async (p) => {
    await assert.rejects(
      readFer2013Csv(p, () => undefined),
      { code: 'E_DATA_EMPTY' },
    );
  });
  await withCsv('emotion,pixels,Usage\n', async (p) => {
    await assert.rejects(
      readFer2013Csv(p, () => undefined),
      { code: 'E_DATA_EMPTY' },
    );
  });
});

test('extract writes grey PNGs and a labels CSV that loads as a dataset; a rerun keeps existing images', async () => {
  await withCsv(GOOD.join('\n'), async (p, dir) => {
    const out = join(dir, 'out');
    const x = await extractFer2013(p, out);
    assert.equal(x.faces, 3);
    assert.equal(x.existing, 0);
    assert.equal(
      await readFile(x.labelsCsv, 'utf8'),
      'path,label,usage\nimages/Training/happy/Training_0.png,happy,Training\n' +
        'images/PublicTest/angry/PublicTest_1.png,angry,PublicTest\nimages/PrivateTest/neutral/PrivateTest_2.png,neutral,PrivateTest\n',
    );
    const img = await readImage(join(out, 'images/PrivateTest/neutral/PrivateTest_2.png'), {
      channels: 1,
    });
    assert.deepEqual(
      [img.width, img.height, img.data[0], img.data[47], img.data[48]],
      [48, 48, 255, 255, 0],
    );
    const ds = await loadLabelsCsv(x.labelsCsv, { requireFiles: true });
    assert.deepEqual(
      ds.images.map((i) => [i.label, i.split]),
      [
        ['happy', 'train'],
        ['angry', 'val'],
        ['neutral', 'test'],
      ],
    );
    const again = await extractFer2013(p, out);
    assert.equal(again.existing, 3);
  });
});
