import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage } from '../src/image/read.js';
import { cropImage } from '../src/image/transform.js';
import {
  cropFile,
  cropId,
  downloadFec,
  faceCropRect,
  readDownloadManifest,
  urlId,
  writeFecTriplets,
  readTripletFile,
} from '../src/data/index.js';
import {
  body,
  fecRow,
  makeImage,
  slow,
  startServer,
  type TestServer,
} from './fixtures/http-server.js';

let server: TestServer;
let dir: string;
let jpeg: Buffer;
let png: Buffer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'exprsim-dl-'));
  jpeg = await makeImage(100, 80, 'jpeg');
  png = await makeImage(60, 40, 'png');
  server = await startServer({
    '/a.jpg': body(jpeg, 'image/jpeg'),
    '/b.png': body(png, 'image/png'),
    '/gone-404.jpg': body('gone', 'text/plain', 404),
    '/gone-410.jpg': body('gone', 'text/plain', 410),
    '/flaky.jpg': (req, res, hit) =>
      (hit === 1 ? body('oops', 'text/plain', 500) : body(jpeg, 'image/jpeg'))(req, res, hit),
    '/always-503.jpg': body('busy', 'text/plain', 503),
    '/slow.jpg': slow(3000, body(jpeg, 'image/jpeg')),
    '/truncated.jpg': body(jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'image/jpeg'),
    '/text.jpg': body('hello, I am not an image', 'text/plain'),
    '/deleted.jpg': (_req, res) =>
      res.writeHead(302, { location: '/images/photo_unavailable.png' }).end(),
    '/images/photo_unavailable.png': body(png, 'image/png'),
  });
});

after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const B1 = '0.2,0.6,0.25,0.75';
const B1b = '0,0.5,0,0.5';
const B2 = '0.1,0.9,0.1,0.9';
const BOX1 = { left: 0.2, right: 0.6, top: 0.25, bottom: 0.75 };

function csv(u: (p: string) => string): string {
  return [
    fecRow([
      [u('/a.jpg'), B1],
      [u('/b.png'), B2],
      [u('/gone-404.jpg'), B2],
    ]),
    fecRow([
      [u('/a.jpg'), B1b],
      [u('/flaky.jpg'), B2],
      [u('/gone-410.jpg'), B2],
    ]),
    fecRow([
      [u('/slow.jpg'), B2],
      [u('/truncated.jpg'), B2],
      [u('/text.jpg'), B2],
    ]),
    fecRow([
      [u('/deleted.jpg'), B2],
      [u('/always-503.jpg'), B2],
      [u('/b.png'), B2],
    ]),
    fecRow(
      [
        [u('/a.jpg'), B1],
        [u('/b.png'), B2],
        [u('/flaky.jpg'), B2],
      ],
      'TWO_CLASS_TRIPLET',
      3,
    ),
    'a bad row',
    '',
  ].join('\n');
}

const OPTIONS = {
  concurrency: 4,
  timeoutMs: 300,
  retries: 2,
  backoffMs: 5,
  maxBackoffMs: 20,
  format: 'png' as const,
};

test('downloads each URL once, classifies every failure, crops every (URL, box), and a rerun skips what is done', async () => {
  const path = join(dir, 'fec.csv');
  await writeFile(path, csv(server.url));
  const out = join(dir, 'out');
  const events: number[] = [];
  const r = await downloadFec(path, {
    ...OPTIONS,
    outDir: out,
    onProgress: (e) => events.push(e.done),
  });
  assert.deepEqual(
    {
      urls: r.urls,
      crops: r.crops,
      downloaded: r.downloaded,
      dead: r.dead,
      bad: r.bad,
      errors: r.errors,
      skipped: r.skipped,
    },
    { urls: 10, crops: 11, downloaded: 3, dead: 3, bad: 2, errors: 2, skipped: 0 },
  );
  assert.equal(r.rows, 5);
  assert.equal(r.badRows, 1);
  assert.equal(r.cropsWritten, 4, 'a.jpg twice (two boxes), b.png once, flaky.jpg once');
  assert.equal(events.at(-1), 10);
  const hits = Object.fromEntries(server.hits);
  assert.deepEqual(hits, {
    '/a.jpg': 1,
    '/b.png': 1,
    '/gone-404.jpg': 1, // no retries on 404 / 410
    '/gone-410.jpg': 1,
    '/flaky.jpg': 2, // 500, then 200
    '/always-503.jpg': 3, // 1 + 2 retries
    '/slow.jpg': 3, // timed out 3 times
    '/truncated.jpg': 1,
    '/text.jpg': 1,
    '/deleted.jpg': 1,
    '/images/photo_unavailable.png': 1,
  });

  const { records } = await readDownloadManifest(join(out, 'manifest.jsonl'));
  const status = (p: string) => records.get(server.url(p));
  assert.equal(status('/a.jpg')?.status, 'ok');
  assert.equal(status('/gone-404.jpg')?.status, 'dead');
  assert.equal(status('/gone-404.jpg')?.http, 404);
  assert.equal(status('/gone-410.jpg')?.status, 'dead');
  assert.equal(status('/deleted.jpg')?.status, 'dead');
  assert.match(status('/deleted.jpg')?.reason as string, /placeholder/);
  assert.equal(status('/flaky.jpg')?.status, 'ok');
  assert.equal(status('/flaky.jpg')?.attempts, 2);
  assert.equal(status('/truncated.jpg')?.status, 'bad');
  assert.match(status('/truncated.jpg')?.reason as string, /E_IMAGE_DECODE/);
  assert.equal(status('/text.jpg')?.status, 'bad');
  assert.match(status('/text.jpg')?.reason as string, /E_NOT_AN_IMAGE/);
  assert.equal(status('/slow.jpg')?.status, 'error');
  assert.match(status('/slow.jpg')?.reason as string, /timed out after 300 ms \(3 attempts\)/);
  assert.equal(status('/always-503.jpg')?.status, 'error');
  assert.match(status('/always-503.jpg')?.reason as string, /HTTP 503 \(3 attempts\)/);

  // The crop of a.jpg's first box: 56x56 at (12, 12), the same pixels as cropping the decoded source.
  const a = status('/a.jpg');
  assert.equal(a?.crops?.length, 2);
  const id = cropId(server.url('/a.jpg'), BOX1);
  const c = a?.crops?.find((x) => x.id === id);
  assert.equal(c?.file, cropFile(id, 'png'));
  assert.deepEqual([c?.width, c?.height], [56, 56]);
  const saved = await readImage(join(out, cropFile(id, 'png')));
  const src = await readImage(jpeg);
  const expected = cropImage(src, faceCropRect(BOX1, 100, 80, 0.2));
  assert.deepEqual([saved.width, saved.height], [56, 56]);
  assert.deepEqual(Buffer.from(saved.data), Buffer.from(expected.data));
  const other = a?.crops?.find((x) => x.id !== id);
  assert.deepEqual([other?.width, other?.height], [60, 48], 'corner box clamped to the image');

  // The manifest is compacted to one line per URL, and report.json is written.
  const lines = (await readFile(join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n');
  assert.equal(lines.length, 10);
  assert.equal(JSON.parse(await readFile(join(out, 'report.json'), 'utf8')).downloaded, 3);

  // Rerun: ok, dead and bad are done; errors are tried again.
  const before = new Map(server.hits);
  const again = await downloadFec(path, { ...OPTIONS, outDir: out });
  assert.deepEqual(
    {
      downloaded: again.downloaded,
      dead: again.dead,
      bad: again.bad,
      errors: again.errors,
      skipped: again.skipped,
    },
    { downloaded: 0, dead: 0, bad: 0, errors: 2, skipped: 8 },
  );
  for (const p of ['/a.jpg', '/b.png', '/flaky.jpg', '/gone-404.jpg', '/truncated.jpg'])
    assert.equal(server.hits.get(p), before.get(p), p);
  assert.equal(server.hits.get('/slow.jpg'), 6);

  // A crop deleted by hand is noticed: the URL is fetched again.
  await rm(join(out, cropFile(id, 'png')));
  const third = await downloadFec(path, { ...OPTIONS, outDir: out, retries: 0, timeoutMs: 100 });
  assert.equal(third.downloaded, 1);
  assert.equal(server.hits.get('/a.jpg'), 2);
  assert.ok(existsSync(join(out, cropFile(id, 'png'))));

  // FEC triplets from the downloads: rows whose crops are all present.
  const trip = await writeFecTriplets({
    inputs: { train: path },
    downloadDir: out,
    outDir: join(dir, 'triplets'),
  });
  assert.deepEqual(trip.counts.train, {
    rows: 5,
    badRows: 1,
    kept: 1,
    droppedTies: 0,
    droppedLowAgreement: 0,
    droppedMissingImages: 4,
  });
  const rows = await readTripletFile(join(dir, 'triplets', 'train.jsonl'));
  // Row 5 voted 3 (flaky.jpg) as the odd one: a = a.jpg crop, p = b.png crop, n = flaky crop.
  assert.deepEqual(rows, [
    {
      a: cropFile(id, 'png'),
      p: cropFile(
        cropId(server.url('/b.png'), { left: 0.1, right: 0.9, top: 0.1, bottom: 0.9 }),
        'png',
      ),
      n: cropFile(
        cropId(server.url('/flaky.jpg'), { left: 0.1, right: 0.9, top: 0.1, bottom: 0.9 }),
        'png',
      ),
      type: 'TWO_CLASS_TRIPLET',
      agreement: 1,
      source: 'fec',
      raters: 6,
    },
  ]);

  // The set is not replaced without `overwrite`; a CSV without a valid row, or a run keeping no
  // triplet, fails before anything is written.
  const again2 = { inputs: { train: path }, downloadDir: out, outDir: join(dir, 'triplets') };
  await assert.rejects(writeFecTriplets(again2), { code: 'E_BAD_OPTION', option: 'overwrite' });
  const badCsv = join(dir, 'not-fec.csv');
  await writeFile(badCsv, 'path,label\na.jpg,happy\n');
  const fresh = join(dir, 'triplets-2');
  await assert.rejects(
    writeFecTriplets({ inputs: { train: path, val: badCsv }, downloadDir: out, outDir: fresh }),
    (e: Error & { code?: string; input?: string }) => {
      assert.equal(e.code, 'E_DATA_FORMAT');
      assert.match(e.message, /^no valid rows: all 2 rows are bad, e\.g\. line 1: /);
      assert.equal(e.input, badCsv);
      return true;
    },
  );
  const undownloaded = join(dir, 'undownloaded.csv');
  await writeFile(
    undownloaded,
    `${fecRow([
      [server.url('/never.jpg'), B1],
      [server.url('/a.jpg'), B1b],
      [server.url('/b.png'), B2],
    ])}\n`,
  );
  await assert.rejects(
    writeFecTriplets({ inputs: { test: undownloaded }, downloadDir: out, outDir: fresh }),
    {
      code: 'E_DATA_EMPTY',
      message:
        /^no triplets: of 1 rows, 0 tied, 0 under `minAgreement`, 1 with a crop not downloaded/,
    },
  );
  assert.equal(existsSync(fresh), false, 'nothing written');
  const replaced = await writeFecTriplets({ ...again2, overwrite: true });
  assert.equal(replaced.counts.train?.kept, 1);
});

test('keepFull stores each image once; a new box for a done URL is cropped from it without a download', async () => {
  const out = join(dir, 'full');
  const first = join(dir, 'full-1.csv');
  await writeFile(
    first,
    fecRow([
      [server.url('/a.jpg'), B1],
      [server.url('/b.png'), B2],
      [server.url('/a.jpg'), B2],
    ]),
  );
  const hitsBefore = server.hits.get('/a.jpg') ?? 0;
  const r = await downloadFec(first, { ...OPTIONS, outDir: out, keepFull: true, format: 'jpeg' });
  assert.equal(r.downloaded, 2);
  assert.equal(r.cropsWritten, 3);
  assert.equal(server.hits.get('/a.jpg'), hitsBefore + 1, 'one URL, two boxes, one request');
  const full = join(
    out,
    'images',
    urlId(server.url('/a.jpg')).slice(0, 2),
    `${urlId(server.url('/a.jpg'))}.jpg`,
  );
  assert.deepEqual(await readFile(full), jpeg);
  const second = join(dir, 'full-2.csv');
  await writeFile(
    second,
    fecRow([
      [server.url('/a.jpg'), '0.5,1,0.5,1'],
      [server.url('/b.png'), B2],
      [server.url('/a.jpg'), B1],
    ]),
  );
  const r2 = await downloadFec(second, { ...OPTIONS, outDir: out, keepFull: true, format: 'jpeg' });
  assert.deepEqual([r2.recropped, r2.skipped, r2.downloaded], [1, 1, 0]);
  assert.equal(server.hits.get('/a.jpg'), hitsBefore + 1);
  const crops = (await readdir(join(out, 'crops'), { recursive: true })).filter((f) =>
    f.endsWith('.jpg'),
  );
  assert.equal(crops.length, 4);
});

test('bad options and CSVs without valid rows are clear errors', async () => {
  const bad = join(dir, 'bad.csv');
  await writeFile(bad, 'not,an,fec,row\n');
  await assert.rejects(downloadFec(bad, { outDir: join(dir, 'x') }), {
    code: 'E_DATA_FORMAT',
    message: /no valid rows \(1 bad; line 1:/,
  });
  const ok = join(dir, 'fec.csv');
  await assert.rejects(downloadFec(ok, { outDir: join(dir, 'x'), concurrency: 0 }), {
    code: 'E_BAD_OPTION',
  });
  await assert.rejects(downloadFec(ok, { outDir: join(dir, 'x'), margin: -1 }), {
    code: 'E_BAD_OPTION',
  });
});
