import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, sharedDataOrSkip, type CliResult } from './helpers.js';

const SAMPLE = fileURLToPath(new URL('./fixtures/fec/sample.csv', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'exprsim-data-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(rel: string, text = 'x'): string {
  const p = join(dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

// Fixtures: an image folder in split layout, a labels CSV with one missing file, a tiny fer2013.csv.
for (const split of ['train', 'val', 'test'])
  for (const label of ['happy', 'sad'])
    for (let i = 0; i < 3; i++) file(`folder/${split}/${label}/${i}.jpg`);
const labels = ['path,label', 'a/1.jpg,happy', 'a/2.jpg,happy', 'b/3.jpg,sad', 'gone.jpg,sad'];
for (const p of ['a/1.jpg', 'a/2.jpg', 'b/3.jpg']) file(`labelled/${p}`);
const labelsCsv = file('labelled/labels.csv', `${labels.join('\n')}\n`);
const px = Array.from({ length: 2304 }, (_, i) => i % 256).join(' ');
const ferRows = ['emotion,pixels,Usage'];
for (const usage of ['Training', 'PublicTest', 'PrivateTest'])
  for (const e of [0, 3, 3]) ferRows.push(`${e},${px},${usage}`);
const ferCsv = file('fer2013.csv', `${ferRows.join('\n')}\n`);

// Hostile inputs: a label path leading out of the dataset, CK+'s extra columns, a CSV whose every
// row is bad, the FEC sample as UTF-16 and random bytes, `--out` at a file, a set already there.
const escape = file('escape/labels.csv', 'path,label\na/1.jpg,happy\n../../etc/passwd,sad\n');
for (const p of ['1.png', '2.png', '3.png', '4.png']) file(`ck/${p}`);
const ckCsv = file(
  'ck/labels.csv',
  'path,label,subject,sequence,frame\n1.png,anger,S1,1,9\n2.png,anger,S2,1,9\n3.png,happy,S1,2,7\n4.png,happy,S2,2,7\n',
);
const allBad = file('allbad/labels.csv', 'path,label\na.jpg\nb.jpg\n');
const u16 = join(dir, 'u16.csv');
writeFileSync(
  u16,
  Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(readFileSync(SAMPLE, 'utf8'), 'utf16le')]),
);
const binary = join(dir, 'binary.csv');
writeFileSync(binary, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 131 + 7) % 256)));
const outFile = file('out-file', 'keep me');
const oldSet = file('old-set/dataset.json', '{}');
const replaced = file('replaced/train.jsonl', 'old');
const ckplus = sharedDataOrSkip('ckplus48-dev/labels.csv', 'CK+ and JAFFE dev labels via the CLI');
const jaffe = sharedDataOrSkip('jaffe-dev/labels.csv', 'CK+ and JAFFE dev labels via the CLI');
const triplets = (labels: string, out: string, ...more: string[]) =>
  runCli(['data', 'triplets', '--labels', labels, '--out', out, '--per-split', '4', ...more]);

// Start every CLI run at once, so that their start-ups overlap. Error
// messages (empty files, wrong headers, --strict-files) are checked by the library tests and the
// one-line error printing by cli.test.ts; these check the data commands' wiring and output.
const runs = {
  info: runCli(['data', 'fec-info', SAMPLE]),
  folder: runCli([
    '--json',
    'data',
    'triplets',
    '--folder',
    join(dir, 'folder'),
    '--out',
    join(dir, 'o2'),
    '--per-split',
    '4',
    '--seed',
    '9',
  ]),
  missing: runCli([
    'data',
    'triplets',
    '--labels',
    labelsCsv,
    '--out',
    join(dir, 'o3'),
    '--per-split',
    '2',
    '--split-ratios',
    '1,0,0',
  ]),
  fer: runCli([
    'data',
    'triplets',
    '--fer2013',
    ferCsv,
    '--out',
    join(dir, 'o5'),
    '--per-split',
    '3',
  ]),
  strict: runCli([
    'data',
    'triplets',
    '--labels',
    labelsCsv,
    '--out',
    join(dir, 'o6'),
    '--strict-files',
  ]),
  two: runCli([
    'data',
    'triplets',
    '--labels',
    labelsCsv,
    '--folder',
    dir,
    '--out',
    join(dir, 'o7'),
  ]),
  escape: triplets(escape, join(dir, 'o8')),
  ck: triplets(ckCsv, join(dir, 'o9'), '--split-ratios', '1,0,0'),
  allBad: triplets(allBad, join(dir, 'o10')),
  outFile: triplets(labelsCsv, outFile),
  oldSet: triplets(labelsCsv, dirname(oldSet)),
  replaced: triplets(labelsCsv, dirname(replaced), '--split-ratios', '1,0,0', '--overwrite'),
  u16: runCli(['data', 'fec-info', u16]),
  binary: runCli(['data', 'fec-info', binary]),
  shared:
    ckplus.skip || jaffe.skip
      ? undefined
      : Promise.all(
          [ckplus.path, jaffe.path].map((p, i) =>
            triplets(p, join(dir, `shared-${i}`), '--cross-subject'),
          ),
        ),
};

/** A refusal: exit 1, one line on stderr naming `input`, matching `message`, no stack trace. */
async function refused(run: Promise<CliResult>, input: string, message: RegExp): Promise<void> {
  const r = await run;
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0].startsWith(`exprsim: ${input}: `), lines[0]);
  assert.match(lines[0], message);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
  assert.equal(r.stdout, '');
}

test('fec-info prints rows, bad rows with line numbers, images, types and the agreement histogram', async () => {
  const r = await runs.info;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /rows: +6 valid, 12 bad, 1 blank line skipped/);
  assert.match(r.stdout, /bad rows \(first 5 of 12\):\n {2}line 6: has 10 fields/);
  assert.match(r.stdout, /unique images: 6 \(7 distinct URL\+box crops\)/);
  assert.match(r.stdout, /ONE_CLASS_TRIPLET 2, TWO_CLASS_TRIPLET 2, THREE_CLASS_TRIPLET 2/);
  assert.match(r.stdout, /raters\/row: +6: 4, 9: 2/);
  assert.match(r.stdout, /2\/3 \(0\.67\) +1 +16\.7%/);
  assert.match(r.stdout, /tie +2 +33\.3%/);
  assert.match(r.stdout, /triplets: +4 kept \(ties dropped: 2\)/);
});

test('triplets from an image folder in split layout, as JSON', async () => {
  const r = await runs.folder;
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.counts, { train: 4, val: 4, test: 4 });
  assert.equal(out.splits.train.images, 6);
});

test('missing files are counted and reported, not fatal', async () => {
  const r = await runs.missing;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /3 images, 0 rows skipped, 1 missing files/);
  assert.match(r.stdout, /missing line 5: gone\.jpg: no such file/);
  assert.match(r.stdout, /train: +1 triplets from 3 images \(1 fewer than asked/);
});

test('triplets from the original fer2013.csv: faces extracted, then sampled', async () => {
  const r = await runs.fer;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /source: +fer2013 \(fer2013-csv .*\): 9 images/);
  // Per split: angry 1, happy 2 -> (happy, happy, angry) is the only triplet.
  for (const s of ['train', 'val', 'test'])
    assert.match(r.stdout, new RegExp(`${s}: +1 triplets from 3 images`));
});

test('library errors show the flags of the option keys they name', async () => {
  const strict = await runs.strict;
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /1 listed image does not exist.*drop `--strict-files` to skip/);
  const two = await runs.two;
  assert.equal(two.code, 1);
  assert.match(two.stderr, /pass exactly one of `--labels`, `--folder`, `--fer2013` \(got 2\)/);
});

test('a label path leading out of the dataset folder is refused, naming the line and path', async () => {
  await refused(
    runs.escape,
    escape,
    /line 3: the image path "\.\.\/\.\.\/etc\/passwd" is a path leading out.*\(list each image by its path relative to /,
  );
  assert.equal(existsSync(join(dir, 'o8')), false, 'nothing written');
});

test("CK+'s extra columns are ignored with one warning; the triplets are written", async () => {
  const r = await runs.ck;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^\[exprsim warn\] .*labels\.csv: ignoring columns "sequence", "frame"/);
  assert.equal(r.stderr.match(/ignoring/g)?.length, 1);
  assert.match(r.stdout, /train: +4 triplets from 4 images/);
});

test('a labels CSV whose every row is bad fails', async () => {
  await refused(runs.allBad, allBad, /no usable rows: all 2 rows were skipped, e\.g\. line 2/);
});

test('--out at a file, or at a folder holding a triplet set, is refused; --overwrite replaces it', async () => {
  await refused(
    runs.outFile,
    outFile,
    /the output folder is a file \(pass a folder .* as `--out`\)/,
  );
  assert.equal(readFileSync(outFile, 'utf8'), 'keep me');
  await refused(
    runs.oldSet,
    dirname(oldSet),
    /already holds a triplet set \(dataset\.json\); not replacing it \(pass `--overwrite` to replace it, or choose another `--out`\)/,
  );
  assert.equal(readFileSync(oldSet, 'utf8'), '{}');
  const r = await runs.replaced;
  assert.equal(r.code, 0, r.stderr);
  assert.notEqual(readFileSync(replaced, 'utf8'), 'old');
});

test('fec-info on a UTF-16 or a binary file fails up front', async () => {
  await refused(runs.u16, u16, /is UTF-16 text, not a UTF-8 FEC CSV \(save it as UTF-8/);
  await refused(
    runs.binary,
    binary,
    /is a binary file \(a NUL byte at offset \d+\), not a UTF-8 FEC CSV/,
  );
});

test(
  'the shared CK+ and JAFFE dev labels load through `data triplets`',
  { skip: ckplus.skip || jaffe.skip },
  async () => {
    const [ck, jf] = (await runs.shared) as CliResult[];
    for (const r of [ck, jf]) assert.equal(r.code, 0, r.stderr);
    assert.match(
      ck.stdout,
      /source: +ckplus48-dev \(labels-csv .*\): 495 images, 0 rows skipped, 0 missing files/,
    );
    assert.match(
      jf.stdout,
      /source: +jaffe-dev \(labels-csv .*\): 108 images, 0 rows skipped, 0 missing files/,
    );
    for (const r of [ck, jf]) assert.match(r.stdout, /train: +4 triplets/);
  },
);

test('data mix: two triplet sets as one, counts per input; a bad count list names the flag', async () => {
  const a = join(dir, 'mix-a');
  const b = join(dir, 'mix-b');
  for (const [out, seed] of [
    [a, '1'],
    [b, '2'],
  ]) {
    const r = await runCli([
      'data',
      'triplets',
      '--folder',
      join(dir, 'folder'),
      '--out',
      out,
      '--per-split',
      '4',
      '--seed',
      seed,
    ]);
    assert.equal(r.code, 0, r.stderr);
  }
  const mixed = await runCli([
    'data',
    'mix',
    a,
    b,
    '--out',
    join(dir, 'mix'),
    '--train-count',
    '3,1',
    '--test-count',
    '0',
  ]);
  assert.equal(mixed.code, 0, mixed.stderr);
  assert.match(mixed.stdout, /train: 4 triplets \(3 from .*mix-a, 1 from .*mix-b\)/);
  assert.match(mixed.stdout, /val: 8 triplets/);
  assert.doesNotMatch(mixed.stdout, /test:/);
  const bad = await runCli([
    'data',
    'mix',
    a,
    b,
    '--out',
    join(dir, 'mix2'),
    '--val-count',
    '1,2,3',
  ]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--val-count takes a whole number >= 0, or one per input \(2\)/);
});
